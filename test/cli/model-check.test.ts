import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelsCheck } from '../../src/cli/commands/model-check.js';
import type { Output } from '../../src/cli/output.js';
import { fixedShapeModel, statefulModel } from '../helpers/onnx-models.js';
import { tempDir } from '../helpers/services.js';

function capture(json: boolean): Output & { text: string } {
  const o = { json, interactive: false, text: '', out: (t: string) => void (o.text += `${t}\n`), err: () => undefined };
  return o;
}

describe('mlops models check <file>', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeAll(async () => {
    dir = await tempDir();
    await writeFile(join(dir.path, 'rnn.onnx'), await statefulModel());
    await writeFile(join(dir.path, 'fixed.onnx'), await fixedShapeModel());
  });
  afterAll(async () => dir.remove());

  it('prints the signature with each tensor\'s batch axis and says that the model batches', async () => {
    const o = capture(false);
    await modelsCheck.run([join(dir.path, 'rnn.onnx')], o);
    expect(o.text).toMatch(/input\s+h\s+float32\s+\[2, batch, 4\]\s+1/);
    expect(o.text).toMatch(/input\s+sr\s+float32\s+\[\]\s+-/);
    expect(o.text).toMatch(/output\s+hn\s+float32\s+\[2, batch, 4\]\s+1/);
    expect(o.text).toContain('batches: yes, along batch');
    const j = capture(true);
    await modelsCheck.run([join(dir.path, 'rnn.onnx')], j);
    expect(JSON.parse(j.text)).toMatchObject({ batchDimension: 'batch', batches: true, tensors: expect.arrayContaining([{ kind: 'input', name: 'x', type: 'float32', shape: ['batch', 'sequence'], batchAxis: 0 }]) });
  });

  it('says why a model does not batch, naming the input and its shape', async () => {
    const o = capture(false);
    await modelsCheck.run([join(dir.path, 'fixed.onnx')], o);
    expect(o.text).toContain('batches: no, no input has a symbolic batch dimension (X [1, 4])');
    await expect(modelsCheck.run([join(dir.path, 'missing.onnx')], o)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
