import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, finished } from '../helpers/child.js';

/** Runs vitest, with the repository's settings, on fixture tests in test/fixtures/host-contract. */
async function runFixtures(files: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--root', REPO_ROOT, '--config', 'test/fixtures/host-contract/vitest.config.ts', ...files],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '', NODE_OPTIONS: '', FORCE_COLOR: '0' } },
  );
  const { code, stdout, stderr } = await finished(child);
  return { code, output: stdout + stderr };
}

describe('the test suite holds the library to the host contract', () => {
  it("fails the run on a stray rejection and on an 'error' event no listener hears, and passes a clean file", async () => {
    const broken = await runFixtures(['stray-rejection', 'unheard-error']);
    expect(broken.code, broken.output).not.toBe(0);
    expect(broken.output).toContain('stray rejection from the fixture');
    expect(broken.output).toContain('unheard error event from the fixture');
    const clean = await runFixtures(['clean']);
    expect(clean.code, clean.output).toBe(0);
  }, 120_000);
});
