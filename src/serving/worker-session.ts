import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import { InternalError } from '../core/errors.js';

// The worker is plain JavaScript evaluated from this string, so it runs the same from TypeScript
// sources, the ESM build and the CJS build, without a separate file to locate.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session;
ort.InferenceSession.create(workerData.bytes, workerData.options).then(
  (s) => { session = s; parentPort.postMessage({ ready: true }); },
  (err) => parentPort.postMessage({ ready: false, error: String(err && err.message || err) }),
);
parentPort.on('message', async (msg) => {
  if (msg.release) { if (session) await session.release(); process.exit(0); }
  try {
    const feeds = {};
    for (const [name, t] of Object.entries(msg.feeds)) feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
    const result = await session.run(feeds);
    const outputs = {};
    const transfer = [];
    for (const [name, t] of Object.entries(result)) {
      outputs[name] = { data: t.data, dims: Array.from(t.dims), type: t.type };
      if (t.data && t.data.buffer && !(t.data instanceof Array)) transfer.push(t.data.buffer);
    }
    parentPort.postMessage({ id: msg.id, outputs }, transfer);
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: String(err && err.message || err) });
  }
});
`;

/**
 * An onnxruntime session in a worker thread, with the slice of the InferenceSession interface the
 * batcher uses. Inference then runs off the caller's event loop (onnxruntime-node runs it on the JS
 * thread otherwise: microsoft/onnxruntime#26968).
 */
export async function createWorkerSession(bytes: Uint8Array, options: InferenceSession.SessionOptions): Promise<InferenceSession> {
  const require = createRequire(import.meta.url);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath: require.resolve('onnxruntime-node'), bytes, options } });
  worker.unref();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  await new Promise<void>((resolve, reject) => {
    worker.once('message', (msg: { ready: boolean; error?: string }) => (msg.ready ? resolve() : reject(new Error(msg.error))));
    worker.once('error', reject);
  });
  worker.on('message', (msg: { id: number; outputs?: unknown; error?: string }) => {
    const p = pending.get(msg.id);
    if (p === undefined) return;
    pending.delete(msg.id);
    if (pending.size === 0) worker.unref();
    if (msg.error !== undefined) p.reject(new InternalError(`Inference failed in the worker: ${msg.error}`));
    else p.resolve(msg.outputs);
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  const session = {
    async run(feeds: Record<string, Tensor>) {
      const id = nextId++;
      const plain: Record<string, { type: string; data: unknown; dims: readonly number[] }> = {};
      for (const [name, t] of Object.entries(feeds)) {
        // A view on a larger buffer (an input carved from a slab) would be cloned with all of its buffer.
        const data = ArrayBuffer.isView(t.data) && t.data.byteLength !== t.data.buffer.byteLength ? (t.data as Float32Array).slice() : t.data;
        plain[name] = { type: t.type, data, dims: t.dims };
      }
      return new Promise((resolve, reject) => {
        // Keep the process alive while an answer is owed; idle workers never hold it open.
        if (pending.size === 0) worker.ref();
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, feeds: plain });
      });
    },
    async release() {
      worker.postMessage({ release: true });
    },
  };
  return session as unknown as InferenceSession;
}
