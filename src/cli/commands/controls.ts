import { writeFile } from 'node:fs/promises';
import { evidenceMarkdown } from '../../controls/evidence-markdown.js';
import { inventoryCsv } from '../../controls/inventory.js';
import type { HaltTarget } from '../../controls/targets.js';
import { UsageError, intOption, parse, positional } from '../args.js';
import type { Command } from '../command.js';
import { isoTime, print, table } from '../output.js';
import { withRuntime } from '../runtime-options.js';

const TARGET_OPTIONS = { all: { type: 'boolean' }, route: { type: 'string' }, reason: { type: 'string' } } as const;

function targetOf(p: { values: { all?: boolean; route?: string }; positionals: string[] }): HaltTarget {
  const model = p.positionals[0];
  if (p.values.all) {
    if (model !== undefined || p.values.route !== undefined) throw new UsageError('--all stands alone: no <model> or --route with it');
    return { all: true };
  }
  if (model === undefined) throw new UsageError('missing <model> (or --all)');
  return p.values.route === undefined ? { model } : { model, route: p.values.route };
}

function label(t: HaltTarget): string {
  return 'all' in t ? 'every model' : t.route === undefined ? t.model : `${t.model}@${t.route}`;
}

export const halt: Command = {
  name: 'halt',
  summary: 'Kill switch: stop a model (or a route, or everything) in every process, at once',
  help: `mlops halt <model> [--route <alias>] --reason <text>
mlops halt --all --reason <text>
  Predictions answer HALTED (HTTP 503) in every process sharing the metadata store within about
  a second, until someone else resumes. Needs the halt permission (risk, reviewer, admin).`,
  async run(argv, o) {
    const p = parse(argv, TARGET_OPTIONS);
    const target = targetOf(p);
    const h = await withRuntime(p, (ml) => ml.controls.halt(target, { reason: p.values.reason ?? '' }));
    print(o, h, () => `HALTED ${label(target)} (by ${h.haltedBy} at ${isoTime(h.since)}: ${h.reason})`);
  },
};

export const resume: Command = {
  name: 'resume',
  summary: 'Lift a halt (four eyes: not the principal who halted, except an admin with a reason)',
  help: 'mlops resume <model> [--route <alias>] --reason <text>\nmlops resume --all --reason <text>',
  async run(argv, o) {
    const p = parse(argv, TARGET_OPTIONS);
    const target = targetOf(p);
    await withRuntime(p, (ml) => ml.controls.resume(target, { reason: p.values.reason ?? '' }));
    print(o, { target, resumed: true }, () => `Resumed ${label(target)}`);
  },
};

export const controlsStatus: Command = {
  name: 'controls status',
  summary: 'The halts in force',
  help: 'mlops controls status',
  async run(argv, o) {
    const p = parse(argv, {});
    const s = await withRuntime(p, (ml) => ml.controls.refresh());
    print(o, s, () => (s.anyHalted ? table(['TARGET', 'HALTED BY', 'SINCE', 'REASON'], s.halted.map((h) => [label(h.target), h.haltedBy, isoTime(h.since), h.reason])) : 'Nothing is halted'));
  },
};

export const controlsInventory: Command = {
  name: 'controls inventory',
  summary: 'Every model version with state, owner, last approval and review (RTS 6 Art. 9 self-assessment)',
  help: 'mlops controls inventory [--format csv|json] [--out <file>]',
  async run(argv, o) {
    const p = parse(argv, { format: { type: 'string' }, out: { type: 'string' } });
    const format = p.values.format ?? (o.json ? 'json' : 'csv');
    if (format !== 'csv' && format !== 'json') throw new UsageError(`--format must be csv or json, got ${JSON.stringify(format)}`);
    const rows = await withRuntime(p, (ml) => ml.controls.inventory());
    const text = format === 'csv' ? inventoryCsv(rows) : JSON.stringify(rows, null, 2);
    if (p.values.out !== undefined) await writeFile(p.values.out, `${text}\n`);
    else o.out(text);
  },
};

export const modelsEvidence: Command = {
  name: 'models evidence',
  summary: 'Evidence pack of a version: a Markdown model card or one JSON document',
  help: `mlops models evidence <name> <version> [--format md|json] [--out <file>]
  Artifact, lineage, approval policy and transitions, alias and halt history, guards, and the
  audit records behind them with a chain verification, for an auditor to check offline.`,
  async run(argv, o) {
    const p = parse(argv, { format: { type: 'string' }, out: { type: 'string' } });
    const name = positional(p, 0, 'name');
    const version = intOption(positional(p, 1, 'version'), 'version') as number;
    const format = p.values.format ?? (o.json ? 'json' : 'md');
    if (format !== 'md' && format !== 'json') throw new UsageError(`--format must be md or json, got ${JSON.stringify(format)}`);
    const pack = await withRuntime(p, (ml) => ml.controls.evidence(name, version));
    const text = format === 'md' ? evidenceMarkdown(pack) : JSON.stringify(pack, null, 2);
    if (p.values.out !== undefined) await writeFile(p.values.out, `${text}\n`);
    else o.out(text);
  },
};
