import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops } from '../../src/index.js';
import { finished, spawnTs } from '../helpers/child.js';
import { tempDir } from '../helpers/services.js';
import { registerApproved } from './fixture.js';

describe('mlops halt, resume, controls and models evidence', () => {
  let dir: { path: string; remove: () => Promise<void> };
  const mlops = (...args: string[]) => finished(spawnTs('src/cli.ts', [...args, '--dir', dir.path], { MLOPS_METADATA: '', MLOPS_ARTIFACTS: '', MLOPS_ONLINE: '' }));
  beforeAll(async () => {
    dir = await tempDir();
    const ml = await createMlops({ dir: dir.path, env: {} });
    await registerApproved(ml, 'sig');
    await ml.close();
  });
  afterAll(async () => dir.remove());

  it('halts and resumes with four eyes, shows status, prints the evidence card and the inventory', async () => {
    const halted = await mlops('halt', 'sig', '--reason', 'drill', '--as', 'rita', '--roles', 'risk');
    expect(halted.code, halted.stderr).toBe(0);
    expect(halted.stdout).toMatch(/HALTED sig \(by rita/);
    expect((await mlops('controls', 'status')).stdout).toMatch(/sig\s+rita\s+\S+\s+drill/);
    const same = await mlops('resume', 'sig', '--reason', 'done', '--as', 'rita', '--roles', 'risk');
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/Four-eyes rule/);
    const other = await mlops('resume', 'sig', '--reason', 'done', '--as', 'ravi', '--roles', 'risk');
    expect(other.code, other.stderr).toBe(0);
    expect((await mlops('halt', '--reason', 'x')).code).toBe(2);
    const md = await mlops('models', 'evidence', 'sig', '1', '--format', 'md');
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/^# Model card: sig version 1/);
    expect(md.stdout).toMatch(/\| halt \| model:sig \| rita \|/);
    expect(md.stdout).toMatch(/Chain: intact/);
    const json = JSON.parse((await mlops('models', 'evidence', 'sig', '1', '--format', 'json')).stdout) as { kind: string };
    expect(json.kind).toBe('mlops.evidence/v1');
    const csv = await mlops('controls', 'inventory', '--format', 'csv');
    expect(csv.stdout.trim().split('\n')).toEqual(['model,version,status,approval,aliases,owner,last_approved_by,last_approved_at,last_review_at,halted', expect.stringMatching(/^sig,1,READY,approved,champion,alice,bob,\S+Z,\S+Z,false$/)]);
    expect(JSON.parse((await mlops('controls', 'inventory', '--format', 'json')).stdout)).toHaveLength(1);
  }, 120_000);
});
