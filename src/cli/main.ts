import { isMlopsError } from '../core/errors.js';
import { GLOBAL_HELP, UsageError } from './args.js';
import type { Command } from './command.js';
import { controlsInventory, controlsStatus, halt, modelsEvidence, resume } from './commands/controls.js';
import { featuresApply, featuresMaterialize } from './commands/features.js';
import { auditVerify, driftReport } from './commands/governance.js';
import { modelsCheck } from './commands/model-check.js';
import { modelsAlias, modelsApprove, modelsList, modelsReject, modelsRequestApproval, modelsRevoke, modelsVersions } from './commands/models.js';
import { server } from './commands/server.js';
import { experimentsList, modelsLogged, runsList, runsShow } from './commands/tracking.js';
import { processOutput } from './output.js';

export const COMMANDS: Command[] = [
  server,
  experimentsList,
  runsList,
  runsShow,
  modelsList,
  modelsLogged,
  modelsVersions,
  modelsRequestApproval,
  modelsApprove,
  modelsReject,
  modelsRevoke,
  modelsAlias,
  modelsEvidence,
  halt,
  resume,
  controlsStatus,
  controlsInventory,
  modelsCheck,
  featuresApply,
  featuresMaterialize,
  auditVerify,
  driftReport,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `mlops: operate @trademaster/mlops from a terminal (same stores and MLOPS_* settings as createMlops)

Usage: mlops <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run mlops <command> --help for a command's options.
${GLOBAL_HELP}

Exit codes: 0 success, 1 the operation failed (or audit broken / drift with --fail-on-drift), 2 bad usage.`;
}

/** Runs the CLI and returns its exit code. */
export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const o = processOutput(json);
  // The command comes first (`mlops runs list --experiment x`), its options after it.
  const words = argv.slice(0, 2);
  const command = COMMANDS.find((c) => c.name.split(' ').every((p, i) => words[i] === p));
  if (command === undefined) {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      o.out(overview());
      return 0;
    }
    const group = COMMANDS.filter((c) => c.name.split(' ')[0] === words[0]);
    if (group.length > 0 && (words[1] === undefined || words[1] === '--help' || words[1] === '-h' || words[1] === 'help')) {
      const width = Math.max(...group.map((c) => c.name.length));
      o.out(`Commands of mlops ${words[0]}:\n${group.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n\nRun mlops ${words[0]} <command> --help for a command's options.`);
      return words[1] === undefined ? 2 : 0;
    }
    o.err(group.length > 0 ? `error: ${words.slice(0, 2).join(' ')}: unknown command; ${words[0]} takes ${group.map((c) => c.name.split(' ')[1]).join(', ')}` : `error: unknown command ${JSON.stringify(argv.join(' '))}`);
    o.err('Run mlops --help for the list of commands.');
    return 2;
  }
  const rest = argv.slice(command.name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    o.out(`${command.summary}\n\nUsage: ${command.help}\n\n${GLOBAL_HELP}`);
    return 0;
  }
  try {
    return (await command.run(rest, o)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      o.err(`error: ${err.message}\nUsage: ${command.help}`);
      return 2;
    }
    if (isMlopsError(err)) {
      o.err(json ? JSON.stringify({ error: { code: err.code, message: err.message } }) : `error: ${err.message}`);
      return 1;
    }
    o.err(`error: ${(err as Error)?.message ?? String(err)}`);
    if (process.env.MLOPS_DEBUG) o.err((err as Error)?.stack ?? '');
    return 1;
  }
}
