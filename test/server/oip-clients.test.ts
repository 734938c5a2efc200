import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { useServer } from './http-client.js';

/** A raw HTTP exchange: exactly the headers given, nothing added (fetch would add a Content-Type). */
function raw(base: string, method: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; headers: Record<string, unknown>; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path: url.pathname, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const ROWS = [[0.5, -1, 2], [1, 1, 1]];

/**
 * The JSON infer requests the Open Inference Protocol's Python clients send, headers included (from
 * their source): neither sets a Content-Type on a JSON body.
 */
describe('OIP clients, replayed: tritonclient.http and KServe InferenceRESTClient (JSON)', () => {
  const fixture = useServer({ dashboard: false }, async (ml) => {
    await ml.serving.load({ bytes: await buildLogisticRegression([0.5, -0.25, 1.5], 0.1) }, { name: 'signal' });
  });

  const expected = async () => Array.from((await fixture.ml.serving.get('signal')!.predict({ X: ROWS })).Y!.data as Float32Array);

  it('tritonclient.http InferenceServerClient.infer with binary_data=False', async () => {
    // tritonclient/http/_client.py: geventhttpclient POST, the JSON request, no Content-Type;
    // outputs ask for JSON data with parameters.binary_data = false.
    const body = JSON.stringify({
      inputs: [{ name: 'X', shape: [2, 3], datatype: 'FP32', data: ROWS.flat() }],
      outputs: [{ name: 'Y', parameters: { binary_data: false } }],
    });
    const res = await raw(fixture.server.url, 'POST', '/v2/models/signal/infer', { 'user-agent': 'python/gevent-http-client-2.3', 'accept-encoding': 'identity', connection: 'keep-alive' }, body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ model_name: 'signal', outputs: [{ name: 'Y', datatype: 'FP32', shape: [2, 1], data: await expected() }] });
  });

  it('KServe InferenceRESTClient.infer: httpx POST of InferRequest.to_rest(), with an id and request parameters', async () => {
    // kserve/inference_client.py: httpx `content=` bytes (no Content-Type) of the v2 request.
    const body = JSON.stringify({
      id: '4c0e7b4c-6f2b-4d1e-9c1e-2f4a8b7d9e10',
      parameters: { priority: 1 },
      inputs: [{ name: 'X', shape: [2, 3], datatype: 'FP32', data: ROWS.flat() }],
    });
    const res = await raw(fixture.server.url, 'POST', '/v2/models/signal/infer', { host: 'localhost', accept: '*/*', 'accept-encoding': 'gzip, deflate', connection: 'keep-alive', 'user-agent': 'python-httpx/0.27.2' }, body);
    expect(res.status).toBe(200);
    // The id is echoed; the request's parameters are not (a response's parameters are the server's).
    expect(res.body).toEqual({ model_name: 'signal', id: '4c0e7b4c-6f2b-4d1e-9c1e-2f4a8b7d9e10', outputs: [{ name: 'Y', datatype: 'FP32', shape: [2, 1], data: await expected() }] });
  });

  it('still refuses a body of another declared type on the MLflow routes (415)', async () => {
    const res = await raw(fixture.server.url, 'POST', '/api/2.0/mlflow/experiments/create', { 'content-type': 'application/xml' }, '<name>x</name>');
    expect(res.status).toBe(415);
    const bad = await raw(fixture.server.url, 'POST', '/v2/models/signal/infer', {}, '{"inputs": [');
    expect(bad.status).toBe(400);
  });
});
