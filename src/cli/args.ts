import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: exit code 2 with the usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Options every command takes: where the stores are and who acts (flags beat MLOPS_* variables). */
export const GLOBAL_OPTIONS = {
  dir: { type: 'string' },
  metadata: { type: 'string' },
  artifacts: { type: 'string' },
  online: { type: 'string' },
  as: { type: 'string' },
  roles: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const GLOBAL_HELP = `Options for every command:
  --dir <path>         embedded stores folder (MLOPS_DIR, default ./.mlops)
  --metadata <url>     postgres://… or sqlite:///path (MLOPS_METADATA)
  --artifacts <url>    s3://bucket/prefix or file:///dir (MLOPS_ARTIFACTS)
  --online <url>       redis://… or memory (MLOPS_ONLINE)
  --as <id>            act as this principal (MLOPS_PRINCIPAL, default local admin)
  --roles <a,b>        the principal's roles (MLOPS_ROLES)
  --json               machine-readable output
  -h, --help           this help`;

export type Parsed<O extends ParseArgsConfig['options']> = {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string };
  positionals: string[];
};

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: O): Parsed<O & typeof GLOBAL_OPTIONS> {
  try {
    const r = parseArgs({ args: argv, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
    return r as unknown as Parsed<O & typeof GLOBAL_OPTIONS>;
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function intOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number, got ${JSON.stringify(value)}`);
  return Number(value);
}

export function positional(p: Parsed<typeof GLOBAL_OPTIONS>, index: number, name: string): string {
  const v = p.positionals[index];
  if (v === undefined) throw new UsageError(`missing <${name}>`);
  return v;
}
