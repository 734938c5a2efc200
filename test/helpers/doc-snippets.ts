import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { finished } from './child.js';

/** A ```ts block of README.md or docs/*.md, with where it stands. */
export interface DocSnippet {
  file: string;
  line: number;
  code: string;
  /** False when the block is marked `<!-- snippet: typecheck -->` (it needs services, or is a test file). */
  runnable: boolean;
}

/** Every ```ts block of README.md and docs/*.md under `root`, in reading order. */
export function docSnippets(root: string): DocSnippet[] {
  const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  const out: DocSnippet[] = [];
  for (const file of files) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    let start = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (start < 0 && /^```(ts|typescript)\s*$/.test(line)) start = i;
      else if (start >= 0 && line.startsWith('```')) {
        const marker = lines[start - 1] ?? '';
        out.push({ file, line: start + 2, code: lines.slice(start + 1, i).join('\n'), runnable: !/<!--\s*snippet:\s*typecheck\s*-->/.test(marker) });
        start = -1;
      }
    }
  }
  return out;
}

/**
 * The names the snippets use without defining them (a runtime, a run id, training rows…), declared
 * once as globals: a snippet's own top-level `const ml` shadows the global in its module scope, so a
 * snippet that builds its runtime is checked against what it builds.
 */
const GLOBALS = `import type { Mlops, KvStore } from '@trademaster/mlops';
declare global {
  const ml: Mlops;
  const runId: string;
  const loss: number;
  const auc: number;
  const bytes: Uint8Array;
  const event_ts: number;
  const key: string;
  const metadata: string;
  const artifacts: string;
  const trainingRows: Array<Record<string, number>>;
  const liveInputs: Array<Record<string, number>>;
  const liveOutputs: Array<Record<string, number>>;
  const reference: Array<Record<string, number>>;
  const referenceRows: Array<Record<string, number>>;
  const currentRows: Array<Record<string, number>>;
  const inputs: Array<Record<string, number>>;
  const outputs: Array<Record<string, number>>;
  function log(event: unknown): void;
  function openMyStore(): Promise<KvStore>;
}
export {};
`;

/** What docs/adapters.md imports from './my-kv.js': the reader's own adapter. */
const MY_KV = `import type { KvStore } from '@trademaster/mlops';
export declare function openMyKv(options: { prefix: string }): Promise<KvStore>;
`;

/**
 * Writes one module per snippet plus a strict tsconfig into `dir`. `packages` maps the package's
 * specifiers: to the sources (`{ '@trademaster/mlops': '/repo/src/index.ts', … }`) or nothing, when
 * `dir` sits in an app that has the package installed. Returns the snippet behind each file name.
 */
export function writeSnippetProject(dir: string, snippets: DocSnippet[], options: { paths?: Record<string, string[]>; typeRoots: string[] }): Map<string, DocSnippet> {
  mkdirSync(dir, { recursive: true });
  // ESM, as the README's readers write: top-level await in every snippet.
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(join(dir, 'globals.d.ts'), GLOBALS);
  writeFileSync(join(dir, 'my-kv.ts'), MY_KV);
  const byFile = new Map<string, DocSnippet>();
  for (const s of snippets) {
    const name = `${s.file.replace(/[^a-z0-9]+/gi, '-')}-L${s.line}.ts`;
    // `export {}` makes each snippet a module: top-level await, its own scope.
    writeFileSync(join(dir, name), `${s.code}\nexport {};\n`);
    byFile.set(name, s);
  }
  const compilerOptions = {
    strict: true,
    noUncheckedIndexedAccess: true,
    target: 'es2022',
    module: 'esnext',
    moduleResolution: 'bundler',
    noEmit: true,
    skipLibCheck: true,
    // The snippets show calls whose results a reader would use; unused names are not mistakes here.
    noUnusedLocals: false,
    types: ['node'],
    typeRoots: options.typeRoots.map((r) => relative(dir, r) || '.'),
    ...(options.paths ? { paths: options.paths } : {}),
  };
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }, null, 2));
  return byFile;
}

/**
 * What the runnable snippets assume exists, built for real: a runtime in `dir`, a finished run with a
 * logistic-regression model at model/model.onnx (three inputs), rows for the drift snippets.
 */
const FIXTURES = `import { createMlops } from '@trademaster/mlops';
import { buildLogisticRegression } from '@trademaster/mlops/models';
const dir = process.argv[2] ?? '.mlops';
const g = globalThis as Record<string, unknown>;
const ml = await createMlops({ dir, env: {} });
const exp = await ml.tracking.createExperiment({ name: 'snippet-fixtures' });
const run = await ml.tracking.startRun({ experimentId: exp.experimentId, name: 'trained' });
await run.logArtifact('model/model.onnx', await buildLogisticRegression([0.5, -0.25, 1], 0.1));
await run.end('FINISHED');
const rows = (n: number, shift: number) => Array.from({ length: n }, (_, i) => ({ ret5m: Math.sin(i) + shift, spread_bp: 2 + (i % 7) / 10 }));
Object.assign(g, {
  ml, runId: run.runId, loss: 0.3, auc: 0.91, bytes: new TextEncoder().encode('{"w":[0.5,-0.25,1]}'), event_ts: Date.now(), key: 'k',
  metadata: 'sqlite::memory:', artifacts: dir, trainingRows: rows(500, 0), liveInputs: rows(300, 0.5), liveOutputs: rows(300, 0).map((r) => ({ y: r.ret5m })),
  reference: rows(500, 0), referenceRows: rows(500, 0), currentRows: rows(300, 0.5), inputs: rows(300, 0.2), outputs: rows(300, 0).map((r) => ({ y: r.ret5m })),
  log: (e: unknown) => void e,
});
export { ml };
`;

/**
 * Writes `run-snippets.ts` into a snippet project: the fixtures, then every runnable snippet in
 * reading order (each its own module, so each sees the fixtures as globals and its own names), then
 * closes the runtime. A snippet that throws fails the run with the snippet's place in the docs.
 */
export function writeSnippetRunner(dir: string, byFile: Map<string, DocSnippet>): void {
  writeFileSync(join(dir, 'fixtures.ts'), FIXTURES);
  const runnable = [...byFile].filter(([, s]) => s.runnable);
  const steps = runnable
    .map(([name, s]) => `  await step(${JSON.stringify(`${s.file}:${s.line}`)}, () => import('./${name.replace(/\.ts$/, '.js')}'));`)
    .join('\n');
  writeFileSync(
    join(dir, 'run-snippets.ts'),
    `const { ml } = await import('./fixtures.js');
async function step(where: string, load: () => Promise<unknown>): Promise<void> {
  try {
    await load();
    console.log('ran', where);
  } catch (err) {
    console.error('snippet at ' + where + ' failed:', err);
    process.exit(1);
  }
}
try {
${steps}
} finally {
  await ml.close();
}
process.exit(0);
`,
  );
}

/** Runs tsc on a snippet project; returns its diagnostics, each at its markdown file and line. */
export async function typeCheckSnippets(dir: string, byFile: Map<string, DocSnippet>, tsc: string): Promise<string> {
  const run = await finished(spawn(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json'), '--pretty', 'false'], { stdio: ['ignore', 'pipe', 'pipe'] }));
  return `${run.stdout}${run.stderr}`
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^([^(]+)\((\d+),\d+\): (.*)$/.exec(l);
      const s = m ? byFile.get(m[1]?.split('/').pop() ?? '') : undefined;
      return s && m ? `${s.file}:${s.line + Number(m[2]) - 1}: ${m[3]}` : l;
    })
    .join('\n');
}
