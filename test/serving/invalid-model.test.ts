import { afterEach, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { tempDir } from '../helpers/services.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

interface OnnxModule {
  onnx: { ModelProto: { decode(b: Uint8Array): { graph: { output: Array<{ name: string }> } }; encode(m: unknown): { finish(): Uint8Array } } };
}

/** A logistic regression whose graph names an output no node produces: onnxruntime refuses it. */
async function modelWithMissingOutput(): Promise<Uint8Array> {
  const { onnx } = (await import('onnx-proto')) as unknown as OnnxModule;
  const model = onnx.ModelProto.decode(await buildLogisticRegression([1, -1], 0));
  const first = model.graph.output[0];
  if (first !== undefined) first.name = 'Nope';
  return onnx.ModelProto.encode(model).finish();
}

describe('a model onnxruntime cannot load', () => {
  it('is reported as an invalid model with onnxruntime\'s reason, not as an unavailable execution provider', async () => {
    const dir = await tempDir('mlops-badmodel-');
    cleanups.push(dir.remove);
    const ml: Mlops = await createMlops({ dir: dir.path, env: {} });
    cleanups.push(() => ml.close());
    const warnings: string[] = [];
    ml.events.on('warning', (w) => warnings.push(w.message));
    const bytes = await modelWithMissingOutput();
    for (const executionProviders of [['cpu'], ['webgpu', 'cpu']] as const) {
      const err = await ml.serving.load({ bytes, name: 'broken' }, { executionProviders: [...executionProviders] }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'model' } });
      expect((err as Error).message).toMatch(/^Invalid model broken: onnxruntime cannot load it: This is an invalid model\. Graph output \(Nope\) does not exist in the graph\.$/);
      expect((err as Error).message).not.toContain('execution provider');
    }
    expect(warnings.filter((w) => w.includes('execution provider cpu'))).toEqual([]);
  });
});
