import { describe, expect, it } from 'vitest';
import { createMlops } from '../../src/index.js';
import { finished, spawnTs } from '../helpers/child.js';
import { PG_URL, dropSchema, tempDir, uniqueName } from '../helpers/services.js';
import { RISK, RISK2, registerApproved } from './fixture.js';

describe.skipIf(!PG_URL)('[postgres] a halt reaches another process', () => {
  it('the serving process answers HALTED within 1 s of the halt, answers nothing after it, and serves again on resume', async () => {
    const dir = await tempDir();
    const schema = uniqueName('halt');
    const metadata = `${PG_URL}?schema=${schema}`;
    const ml = await createMlops({ metadata, dir: dir.path, env: {} });
    try {
      await registerApproved(ml, 'sig');
      const child = spawnTs('test/controls/halt-child.ts', [metadata, dir.path]);
      const result = finished(child);
      let out = '';
      const line = (re: RegExp) =>
        new Promise<RegExpMatchArray>((resolve, reject) => {
          const check = () => {
            const m = out.match(re);
            if (m) {
              child.stdout?.off('data', onData);
              resolve(m);
            }
          };
          const onData = (d: Buffer) => {
            out += d.toString();
            check();
          };
          child.stdout?.on('data', onData);
          child.once('exit', () => reject(new Error(`child exited before ${re}: ${out}`)));
          check();
        });
      await line(/READY/);
      await new Promise((r) => setTimeout(r, 500)); // traffic flows
      const haltStarted = Date.now();
      await ml.as(RISK).controls.halt({ model: 'sig' }, { reason: 'cross-process drill' });
      const haltCommitted = Date.now();
      const firstHalted = Number((await line(/HALTED (\d+)/))[1]);
      await new Promise((r) => setTimeout(r, 500)); // the halt holds
      const resumeStarted = Date.now();
      await ml.as(RISK2).controls.resume({ model: 'sig' }, { reason: 'drill over' });
      const { code, stdout, stderr } = await result;
      expect(code, stderr).toBe(0);
      const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as { firstHaltedAt: number; firstOkAfterHalted: number; okBefore: number; halted: number; okAfter: number };
      const delay = firstHalted - haltStarted;
      // The figure docs/registry-and-governance.md quotes.
      console.log(`cross-process halt on PostgreSQL: first HALTED ${delay} ms after halt() was called (${firstHalted - haltCommitted} ms after it returned); ${summary.okBefore} answers before, ${summary.halted} HALTED, first answer again ${summary.firstOkAfterHalted - resumeStarted} ms after resume() was called`);
      expect(summary.okBefore).toBeGreaterThan(10);
      expect(delay).toBeLessThanOrEqual(1000);
      // No prediction was answered between the first HALTED and the resume.
      expect(summary.firstOkAfterHalted).toBeGreaterThanOrEqual(resumeStarted);
      expect(summary.okAfter).toBeGreaterThanOrEqual(50);
    } finally {
      await ml.close();
      await dropSchema(schema);
      await dir.remove();
    }
  }, 60_000);
});
