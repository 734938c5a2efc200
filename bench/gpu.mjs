// GPU check (see ../shared/gpu/README.md): 'webgpu' against 'cpu' on a large MLP through the built
// package, outputs compared. Run on the GPU machine from the repo root with .gpu carried:
//   source .gpu/env.sh && node bench/gpu.mjs 2>&1 | tee $OUT/gpu.txt
// Needs `npm run build` first (it imports dist/).
import { buildMlp, createMlops } from '../dist/index.js';

const INPUT = 256;
const HIDDEN = 2048;
const BATCH = Number(process.env.GPU_BATCH ?? 8192);

function weights(seed, n, scale) {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) - 0.5) * scale;
  }
  return out;
}

const t0 = performance.now();
const bytes = await buildMlp({
  inputSize: INPUT,
  layers: [
    { weights: weights(1, INPUT * HIDDEN, 0.1), bias: weights(2, HIDDEN, 0.01), activation: 'relu' },
    { weights: weights(3, HIDDEN * HIDDEN, 0.04), bias: weights(4, HIDDEN, 0.01), activation: 'relu' },
    { weights: weights(5, HIDDEN * HIDDEN, 0.04), bias: weights(6, HIDDEN, 0.01), activation: 'relu' },
    { weights: weights(7, HIDDEN, 0.04), bias: [0], activation: 'none' },
  ],
});
console.log(`model: ${INPUT}->${HIDDEN}->${HIDDEN}->${HIDDEN}->1, ${(bytes.byteLength / 1e6).toFixed(1)} MB, built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const ml = await createMlops({ dir: process.env.OUT ? `${process.env.OUT}/mlops` : '.mlops-gpu', env: {} });
const warnings = [];
ml.events.on('warning', (w) => warnings.push(w.message));
const input = weights(9, BATCH * INPUT, 2);
const results = {};
for (const providers of [['cpu'], ['cuda', 'webgpu', 'cpu']]) {
  const model = await ml.serving.load({ bytes, name: `mlp-${providers.join('-')}` }, { executionProviders: providers, batching: { maxBatchSize: BATCH, maxDelayMicros: 0 } });
  await model.predict({ X: { data: input, dims: [BATCH, INPUT] } });
  const runs = 5;
  const t = performance.now();
  let out;
  for (let i = 0; i < runs; i++) out = await model.predict({ X: { data: input, dims: [BATCH, INPUT] } });
  const seconds = (performance.now() - t) / 1000;
  results[model.provider] = { rowsPerSecond: (runs * BATCH) / seconds, output: out.Y.data };
  console.log(`${providers.join(' -> ')}: provider in use ${model.provider}; warnings so far: ${warnings.length}, ${((runs * BATCH) / seconds / 1e6).toFixed(3)} M rows/s at batch ${BATCH}`);
}
if (results.webgpu && results.cpu) {
  let maxDiff = 0;
  for (let i = 0; i < results.cpu.output.length; i++) maxDiff = Math.max(maxDiff, Math.abs(results.cpu.output[i] - results.webgpu.output[i]));
  const scale = Math.max(...Array.from(results.cpu.output, Math.abs));
  console.log(`outputs agree: max |webgpu - cpu| = ${maxDiff.toExponential(2)} (output scale ${scale.toExponential(2)}); webgpu/cpu throughput ${(results.webgpu.rowsPerSecond / results.cpu.rowsPerSecond).toFixed(2)}x`);
  if (maxDiff > 1e-3 * Math.max(1, scale)) {
    console.log('FAIL: outputs differ');
    process.exitCode = 1;
  }
} else {
  console.log(`webgpu did not start here; warnings: ${warnings.join(' | ')}`);
}
console.log(`warnings: ${warnings.join(" | ") || "none"}`);
await ml.close();
