import { spawn } from 'node:child_process';
import { finished } from '../helpers/child.js';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docSnippets, typeCheckSnippets, writeSnippetProject, writeSnippetRunner } from '../helpers/doc-snippets.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SOURCE_PATHS = {
  '@trademaster/mlops': [join(ROOT, 'src/index.ts')],
  '@trademaster/mlops/testing': [join(ROOT, 'src/testing/index.ts')],
  '@trademaster/mlops/*': [join(ROOT, 'src/*.ts')],
};

/** Inside the repo, so the snippets' other imports (ioredis in docs/adapters.md) resolve as in an app. */
function scratch(prefix: string): string {
  mkdirSync(join(ROOT, '.tmp'), { recursive: true });
  return mkdtempSync(join(ROOT, '.tmp', prefix));
}

describe('README and docs snippets', () => {
  it('finds the snippets', () => {
    const snippets = docSnippets(ROOT);
    expect(snippets.length).toBeGreaterThan(10);
    expect(snippets.some((s) => s.file === 'README.md' && s.code.includes('createRegisteredModel'))).toBe(true);
  });

  it('type-check under tsc --strict against the sources', async () => {
    const dir = scratch('snippets-');
    try {
      const byFile = writeSnippetProject(dir, docSnippets(ROOT), {
        typeRoots: [join(ROOT, 'node_modules/@types')],
        paths: SOURCE_PATHS,
      });
      expect(await typeCheckSnippets(dir, byFile, join(ROOT, 'node_modules/typescript/bin/tsc'))).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('run in reading order on an embedded runtime, except those marked typecheck', async () => {
    const dir = scratch('snippets-run-');
    try {
      const byFile = writeSnippetProject(dir, docSnippets(ROOT), { typeRoots: [join(ROOT, 'node_modules/@types')], paths: SOURCE_PATHS });
      writeSnippetRunner(dir, byFile);
      const run = await finished(
        spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', join(dir, 'tsconfig.json'), join(dir, 'run-snippets.ts'), join(dir, 'mlops')], {
          cwd: dir,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, NODE_OPTIONS: '' },
        }),
      );
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      const ran = run.stdout.split('\n').filter((l) => l.startsWith('ran '));
      expect(ran.length).toBe([...byFile.values()].filter((s) => s.runnable).length);
      expect(ran.some((l) => l.startsWith('ran README.md:'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
