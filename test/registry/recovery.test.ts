import { describe, expect, it } from 'vitest';
import { createMlops } from '../../src/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { buildMlp } from '../../src/onnx/model-builder.js';
import { tempDir } from '../helpers/services.js';

describe('registry recovery on open', () => {
  it('marks a version pending longer than registry.pendingGraceMs FAILED_REGISTRATION, audited; a younger one stays pending', async () => {
    const dir = await tempDir('mlops-recover-');
    const clock = new ManualClock(1_700_000_000_000);
    const open = (graceMs?: number) => createMlops({ dir: dir.path, env: {}, clock, registry: { pollIntervalMs: 0, ...(graceMs !== undefined ? { pendingGraceMs: graceMs } : {}) } });
    try {
      let ml = await open();
      await ml.registry.createRegisteredModel({ name: 'half' });
      await ml.registry.createModelVersion({ name: 'half', source: { bytes: await buildMlp({ inputSize: 1, layers: [{ weights: [1], bias: [0] }] }) } });
      // What a process killed between the two steps of createModelVersion leaves behind.
      await ml.stores.metadata.exec("UPDATE registry_versions SET status = 'PENDING_REGISTRATION'");
      await ml.close();

      clock.advance(9 * 60 * 1000); // within the default 10 minutes: perhaps still being copied elsewhere
      ml = await open();
      expect((await ml.registry.getModelVersion('half', 1)).status).toBe('PENDING_REGISTRATION');
      await ml.close();

      clock.advance(2 * 60 * 1000);
      ml = await open();
      try {
        const mv = await ml.registry.getModelVersion('half', 1);
        expect(mv).toMatchObject({ status: 'FAILED_REGISTRATION', statusMessage: expect.stringContaining('did not finish') });
        const [record] = await ml.audit.query({ action: 'model_version.recover' });
        expect(record).toMatchObject({ actor: 'system', resource: 'half', details: { version: 1 } });
        expect((await ml.audit.verify()).ok).toBe(true);
      } finally {
        await ml.close();
      }
      await expect(open(-1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('registry.pendingGraceMs') });
    } finally {
      await dir.remove();
    }
  });
});
