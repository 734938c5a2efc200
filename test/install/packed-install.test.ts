import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finished } from '../helpers/child.js';
import { docSnippets, typeCheckSnippets, writeSnippetProject } from '../helpers/doc-snippets.js';
import { tempDir } from '../helpers/services.js';

// What a new user does: `npm pack`, then install the tarball into a new app, here without the network
// (as on a desk behind an internal mirror), and use it from ESM, from CommonJS and from TypeScript.
const ROOT = resolve(import.meta.dirname, '../..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; license: string; dependencies: Record<string, string>; peerDependencies: Record<string, string>; peerDependenciesMeta: unknown; engines: unknown; bin: unknown };

async function run(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined> = {}): Promise<{ code: number | null; out: string }> {
  const r = await finished(spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '', ...env } }));
  return { code: r.code, out: `${r.stdout}\n${r.stderr}` };
}

/**
 * The app's lockfile: the tarball plus the repo's own locked production dependencies, so that
 * `npm ci --offline` installs them from npm's cache (filled by the repo's `npm ci`) without asking the
 * registry for package documents.
 */
function writeApp(app: string, tarball: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean; link?: boolean }> };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'app', version: '1.0.0', dependencies: { [PKG.name]: spec } },
    [`node_modules/${PKG.name}`]: {
      version: PKG.version, resolved: spec, license: PKG.license, dependencies: PKG.dependencies,
      peerDependencies: PKG.peerDependencies, peerDependenciesMeta: PKG.peerDependenciesMeta, engines: PKG.engines, bin: PKG.bin,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (key === '' || entry.dev || entry.devOptional || entry.link) continue;
    packages[key] = entry;
  }
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }));
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'app', version: '1.0.0', private: true, dependencies: { [PKG.name]: spec },
      // As the README says for npm >= 11, except better-sqlite3, denied here to see the error an app
      // gets when that script did not run (and to spare a compile); its addon is copied in below.
      allowScripts: { 'better-sqlite3': false, 'onnxruntime-node': false, protobufjs: false },
    }),
  );
}

const ESM = `import { createMlops } from '@trademaster/mlops';
import { buildLogisticRegression } from '@trademaster/mlops/models';
import { createServer } from '@trademaster/mlops/server';
try {
  const ml = await createMlops({ dir: process.argv[2], env: {} });
  await ml.registry.createRegisteredModel({ name: 'm' });
  await ml.registry.createModelVersion({ name: 'm', source: { bytes: await buildLogisticRegression([1, -1], 0) } });
  const model = await ml.serving.load('m/1', { allowUnapproved: true });
  const out = await model.predict([[0.5, 0.25]]);
  console.log(JSON.stringify({ esm: true, y: out.Y?.data[0], server: typeof createServer }));
  await ml.close();
} catch (err) {
  console.log(JSON.stringify({ code: err.code, message: err.message }));
}
`;

const CJS = `const { createMlops, ErrorCode } = require('@trademaster/mlops');
const { createServer } = require('@trademaster/mlops/server');
(async () => {
  const ml = await createMlops({ dir: process.argv[2], env: {} });
  const exp = await ml.tracking.createExperiment({ name: 'cjs' });
  console.log(JSON.stringify({ cjs: true, experimentId: exp.experimentId, codes: Object.keys(ErrorCode).length, server: typeof createServer }));
  await ml.close();
})();
`;

describe('the packed tarball installs offline into a new app', () => {
  let scratch: { path: string; remove: () => Promise<void> };
  let app = '';
  let tarball = '';

  beforeAll(async () => {
    scratch = await tempDir('mlops-pack-');
    // Packed from a copy of the working tree: prepack rebuilds dist/, and the repo's own dist/ (which
    // servers in other test files may be reading) stays as it is.
    const copy = join(scratch.path, 'repo');
    const files = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT);
    for (const file of files.out.split('\0').map((f) => f.trim()).filter((f) => f !== '' && f !== 'node_modules' && existsSync(join(ROOT, f)))) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      copyFileSync(join(ROOT, file), join(copy, file));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const packed = await run('npm', ['pack', '--pack-destination', scratch.path, '--json'], copy);
    expect(packed.code, packed.out).toBe(0);
    tarball = join(scratch.path, readdirSync(scratch.path).find((f) => f.endsWith('.tgz')) ?? 'missing.tgz');
    app = join(scratch.path, 'app');
    mkdirSync(app);
    writeApp(app, tarball);
    const installed = await run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app, { ONNXRUNTIME_NODE_INSTALL: undefined, npm_config_onnxruntime_node_install: undefined });
    expect(installed.code, installed.out).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await scratch?.remove();
  });

  it('ships dist, built by prepack', async () => {
    const listed = await run('tar', ['-tzf', tarball], scratch.path);
    for (const file of ['package/dist/index.js', 'package/dist/index.cjs', 'package/dist/index.d.ts', 'package/dist/server.js', 'package/dist/cli.js', 'package/README.md']) {
      expect(listed.out).toContain(file);
    }
  });

  it('without better-sqlite3\'s install script, createMlops says what to allow and rebuild', async () => {
    writeFileSync(join(app, 'esm.mjs'), ESM);
    const r = await run(process.execPath, ['esm.mjs', join(app, '.mlops-a')], app);
    const result = JSON.parse(r.out.trim().split('\n').pop() ?? '{}') as { code?: string; message?: string };
    expect(result.code, r.out).toBe('FAILED_PRECONDITION');
    expect(result.message).toContain('"allowScripts": { "better-sqlite3": true }');
    expect(result.message).toContain('npm rebuild better-sqlite3');
  });

  it('runs an ESM and a CommonJS consumer (serving included, no CUDA download)', async () => {
    // What better-sqlite3's allowed install script would have built.
    const release = join(app, 'node_modules/better-sqlite3/build/Release');
    mkdirSync(release, { recursive: true });
    copyFileSync(join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), join(release, 'better_sqlite3.node'));
    writeFileSync(join(app, 'esm.mjs'), ESM);
    writeFileSync(join(app, 'cjs.cjs'), CJS);
    const esm = await run(process.execPath, ['esm.mjs', join(app, '.mlops-b')], app);
    const esmResult = JSON.parse(esm.out.trim().split('\n').pop() ?? '{}') as { esm?: boolean; y?: number; server?: string };
    expect(esmResult, esm.out).toMatchObject({ esm: true, server: 'function' });
    expect(esmResult.y).toBeCloseTo(1 / (1 + Math.exp(-0.25)), 5);
    const cjs = await run(process.execPath, ['cjs.cjs', join(app, '.mlops-c')], app);
    expect(JSON.parse(cjs.out.trim().split('\n').pop() ?? '{}'), cjs.out).toMatchObject({ cjs: true, server: 'function' });
  }, 60_000);

  it('type-checks the README and docs snippets with tsc --strict against the installed types', async () => {
    const dir = join(app, 'snippets');
    const byFile = writeSnippetProject(dir, docSnippets(ROOT), {
      typeRoots: [join(ROOT, 'node_modules/@types')],
      // ioredis is an optional peer the app has not installed; docs/adapters.md imports it.
      paths: { ioredis: [join(ROOT, 'node_modules/ioredis')] },
    });
    expect(await typeCheckSnippets(dir, byFile, join(ROOT, 'node_modules/typescript/bin/tsc'))).toBe('');
  }, 120_000);
});
