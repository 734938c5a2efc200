// Bring your own ONNX model: see which axis batches, warm it up with a real sample, and call it
// with whichever input form your code already has. Check a file first from a terminal with
// `mlops models check model.onnx` (signature, batch axis, whether it batches).
// Run: npx tsx examples/bring-your-own-model.ts   (uses ./.mlops unless MLOPS_DIR is set)
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMlops } from '@trademaster/mlops';
import { buildMlp } from '@trademaster/mlops/testing';

const ml = await createMlops();
try {
  // A stand-in for a model exported from PyTorch or scikit-learn: X [batch, 3] -> Y [batch, 1].
  const file = join(process.env.MLOPS_DIR ?? '.mlops', 'my-model.onnx');
  await writeFile(file, await buildMlp({ inputSize: 3, layers: [{ weights: [0.5, -0.25, 1], bias: [0.1], activation: 'none' }] }));

  const model = await ml.serving.load(
    { file },
    {
      columns: ['ret_5m', 'vol_1h', 'spread'],
      // Triton's model_warmup: run a real sample (three times) before the first request.
      warmup: { inputs: [[0.01, 0.2, -0.1]], count: 3 },
      batching: { maxBatchSize: 256, maxDelayMicros: 200 },
    },
  );
  // The batch axis of every input and output, read from the signature's shared symbolic dimension.
  console.log(`batch dimension ${model.layout.dim}: inputs ${JSON.stringify(model.layout.inputs)}, outputs ${JSON.stringify(model.layout.outputs)}`);

  // Every input form gives the same answer; concurrent callers share session runs.
  const forms = [
    [[0.01, 0.2, -0.1]], // rows
    [0.01, 0.2, -0.1], // a flat number[] (rows of the signature's width)
    [{ spread: -0.1, ret_5m: 0.01, vol_1h: 0.2 }], // records by column name
    Float32Array.of(0.01, 0.2, -0.1), // a typed array
    { X: { data: [0.01, 0.2, -0.1], dims: [1, 3] } }, // { data, dims } per input
  ];
  const outputs = await Promise.all(forms.map((f) => model.predict(f as never)));
  console.log(`same Y from ${forms.length} forms: ${outputs.map((o) => (o.Y!.data[0] as number).toFixed(4)).join(', ')}; ${model.stats.batches} session run(s) after warmup`);
  if (new Set(outputs.map((o) => (o.Y!.data[0] as number).toFixed(6))).size !== 1) throw new Error('the input forms disagree');
} finally {
  await ml.close();
}
