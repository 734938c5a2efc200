// Serves sig@champion under load in its own process; reports when the first HALTED came and the
// first answer after it. Started by cross-process-halt.test.ts; argv: metadata URL, store folder.
import { createMlops } from '../../src/index.js';

const [metadata, dir] = process.argv.slice(2) as [string, string];
const ml = await createMlops({ metadata, dir, env: {} });
const model = await ml.serving.load('sig@champion');
let firstHaltedAt: number | undefined;
let firstOkAfterHalted: number | undefined;
let okBefore = 0;
let halted = 0;
let okAfter = 0;
let stop = false;
const loops = Array.from({ length: 4 }, async () => {
  while (!stop) {
    try {
      await model.predict([[1, 2]]);
      const now = Date.now();
      if (firstHaltedAt === undefined) okBefore += 1;
      else {
        okAfter += 1;
        firstOkAfterHalted ??= now;
        if (okAfter >= 50) stop = true;
      }
    } catch (err) {
      if ((err as { code?: string }).code !== 'HALTED') throw err;
      const now = Date.now();
      if (firstHaltedAt === undefined) {
        firstHaltedAt = now;
        process.stdout.write(`HALTED ${now}\n`);
      }
      halted += 1;
    }
    await new Promise((r) => setImmediate(r));
  }
});
process.stdout.write('READY\n');
const timeout = setTimeout(() => (stop = true), 20_000);
await Promise.all(loops);
clearTimeout(timeout);
process.stdout.write(`${JSON.stringify({ firstHaltedAt, firstOkAfterHalted, okBefore, halted, okAfter })}\n`);
await ml.close();
