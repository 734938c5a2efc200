import { describe, expect, it } from 'vitest';
import { type Mlops } from '../../src/index.js';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { binaryExampleModel, stringModel } from '../helpers/onnx-models.js';
import { useServer } from './http-client.js';

async function approve(ml: Mlops, name: string, version: number): Promise<void> {
  await ml.as({ id: 'quant', roles: ['data-scientist'] }).registry.requestApproval(name, version);
  await ml.as({ id: 'risk', roles: ['reviewer'] }).registry.approve(name, version);
}

/** POSTs raw bytes; returns status, headers and the body's bytes. */
async function post(base: string, path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** Splits a binary-extension response into its JSON and the bytes after it. */
function split(res: { headers: Headers; bytes: Uint8Array }): { json: any; rest: Uint8Array } { // eslint-disable-line @typescript-eslint/no-explicit-any
  const n = Number(res.headers.get('inference-header-content-length'));
  return { json: JSON.parse(new TextDecoder().decode(res.bytes.subarray(0, n))), rest: res.bytes.subarray(n) };
}

const le32 = (values: number[], Ctor: typeof Uint32Array | typeof Float32Array) => new Uint8Array(Ctor.from(values).buffer);

// The request of the extension's example, as the spec writes it (Triton extension_binary_data.md).
const SPEC_REQUEST = `{
  "model_name" : "mymodel",
  "inputs" : [
    {
      "name" : "input0",
      "shape" : [ 2, 2 ],
      "datatype" : "UINT32",
      "parameters" : {
        "binary_data_size" : 16
      }
    },
    {
      "name" : "input1",
      "shape" : [ 3 ],
      "datatype" : "BOOL",
      "parameters" : {
        "binary_data_size" : 3
      }
    }
  ],
  "outputs" : [
    {
      "name" : "output0",
      "parameters" : {
        "binary_data" : true
      }
    }
  ]
}`;

describe('Open Inference Protocol: binary tensor data, version paths, response cache keys, nesting', () => {
  const fixture = useServer({}, async (ml) => {
    await ml.serving.load({ bytes: await binaryExampleModel(), name: 'mymodel' });
    await ml.serving.load({ bytes: await stringModel(), name: 'echo' });
    await ml.serving.load({ bytes: await buildLogisticRegression([1, 0], 0), name: 'det' }, { deterministic: true });
  });
  const { call } = fixture;
  const input0 = le32([1, 2, 3, 4], Uint32Array);
  const input1 = Uint8Array.of(1, 0, 1);
  // output0 = float(input1)ᵀ · column sums of input0 ([4, 6]).
  const output0 = le32([4, 6, 0, 0, 4, 6], Float32Array);

  it('lists binary_tensor_data among the server extensions', async () => {
    expect((await call('GET', '/v2')).body.extensions).toContain('binary_tensor_data');
  });

  it("answers the spec's example request byte for byte: JSON header, then the output's 24 bytes", async () => {
    const head = new TextEncoder().encode(SPEC_REQUEST);
    const body = Buffer.concat([head, input0, input1]);
    const res = await post(fixture.server.url, '/v2/models/mymodel/infer', body, { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(head.length) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const { json, rest } = split(res);
    expect(res.bytes.length).toBe(Number(res.headers.get('inference-header-content-length')) + 24);
    expect(json.outputs).toEqual([{ name: 'output0', shape: [3, 2], datatype: 'FP32', parameters: { binary_data_size: 24 } }]);
    expect(Buffer.from(rest).equals(Buffer.from(output0))).toBe(true);
  });

  it('gives the JSON twin of a binary request the same outputs, and mixes binary and JSON tensors', async () => {
    const json = await call('POST', '/v2/models/mymodel/infer', {
      inputs: [
        { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
        { name: 'input1', shape: [3], datatype: 'BOOL', data: [true, false, true] },
      ],
    });
    expect(json.body.outputs[0]).toEqual({ name: 'output0', shape: [3, 2], datatype: 'FP32', data: Array.from(new Float32Array(output0.buffer)) });
    // input0 in binary, input1 as JSON; outputs as JSON (no binary_data asked): no binary section in the answer.
    const head = new TextEncoder().encode(JSON.stringify({ inputs: [{ name: 'input0', shape: [2, 2], datatype: 'UINT32', parameters: { binary_data_size: 16 } }, { name: 'input1', shape: [3], datatype: 'BOOL', data: [1, 0, 1].map(Boolean) }] }));
    const mixed = await post(fixture.server.url, '/v2/models/mymodel/infer', Buffer.concat([head, input0]), { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(head.length) });
    expect(mixed.status).toBe(200);
    expect(JSON.parse(new TextDecoder().decode(mixed.bytes)).outputs).toEqual(json.body.outputs);
  });

  it('sends every output as binary with binary_data_output, BYTES with 4-byte lengths, and reads a body without Content-Type', async () => {
    const words = ['', 'ab', 'héllo'];
    const encoded = Buffer.concat(words.map((w) => { const b = Buffer.from(w); const n = Buffer.alloc(4); n.writeUInt32LE(b.length); return Buffer.concat([n, b]); }));
    const head = Buffer.from(JSON.stringify({ inputs: [{ name: 'S', shape: [3, 1], datatype: 'BYTES', parameters: { binary_data_size: encoded.length } }], parameters: { binary_data_output: true } }));
    // Triton's Python client sends no Content-Type with a binary body.
    const res = await post(fixture.server.url, '/v2/models/echo/infer', new Uint8Array(Buffer.concat([head, encoded])), { 'inference-header-content-length': String(head.length) });
    expect(res.status).toBe(200);
    const { json, rest } = split(res);
    expect(json.outputs).toEqual([{ name: 'T', shape: [3, 1], datatype: 'BYTES', parameters: { binary_data_size: encoded.length } }]);
    expect(Buffer.from(rest).equals(encoded)).toBe(true);
    // An output's own binary_data: false overrides the request's binary_data_output.
    const own = Buffer.from(JSON.stringify({ inputs: [{ name: 'S', shape: [3, 1], datatype: 'BYTES', parameters: { binary_data_size: encoded.length } }], outputs: [{ name: 'T', parameters: { binary_data: false } }], parameters: { binary_data_output: true } }));
    const asJson = await post(fixture.server.url, '/v2/models/echo/infer', new Uint8Array(Buffer.concat([own, encoded])), { 'inference-header-content-length': String(own.length) });
    expect(JSON.parse(new TextDecoder().decode(asJson.bytes)).outputs[0].data).toEqual(words);
  });

  it('refuses binary sections that do not add up, naming the field', async () => {
    const head = new TextEncoder().encode(SPEC_REQUEST);
    const send = (body: Uint8Array, length: string) => post(fixture.server.url, '/v2/models/mymodel/infer', body, { 'content-type': 'application/octet-stream', 'inference-header-content-length': length });
    const short = await send(Buffer.concat([head, input0]), String(head.length));
    expect(short.status).toBe(400);
    expect(new TextDecoder().decode(short.bytes)).toContain('inputs[1].parameters.binary_data_size: 3 bytes');
    const extra = await send(Buffer.concat([head, input0, input1, Uint8Array.of(9)]), String(head.length));
    expect(new TextDecoder().decode(extra.bytes)).toContain('1 bytes after the JSON belong to no input');
    const notBool = await send(Buffer.concat([head, input0, Uint8Array.of(1, 2, 0)]), String(head.length));
    expect(notBool.status).toBe(400);
    expect(new TextDecoder().decode(notBool.bytes)).toContain('inputs[1].data[1]: byte 2 is not a BOOL');
    const badLength = await send(Buffer.concat([head, input0, input1]), 'lots');
    expect(badLength.status).toBe(400);
    expect(new TextDecoder().decode(badLength.bytes)).toContain('Inference-Header-Content-Length');
  });

  it('keys the response cache on validated tensors: [1e400] (Infinity) and [null] do not share an answer', async () => {
    const infinite = await call('POST', '/v2/models/det/infer', '{"inputs":[{"name":"X","shape":[1,2],"datatype":"FP32","data":[1e400,-1e400]}]}', { 'content-type': 'application/json' });
    expect(infinite.status).toBe(200);
    const hits = fixture.server.cache!.hits;
    const nulls = await call('POST', '/v2/models/det/infer', '{"inputs":[{"name":"X","shape":[1,2],"datatype":"FP32","data":[null,null]}]}', { 'content-type': 'application/json' });
    expect(nulls).toMatchObject({ status: 400, body: { error: expect.stringContaining('expected a float32 number, got null') } });
    expect(fixture.server.cache!.hits).toBe(hits);
    // The same tensors, written differently (nested, other key order), do share one.
    const nested = await call('POST', '/v2/models/det/infer', '{"inputs":[{"data":[[1e400,-1e400]],"datatype":"FP32","shape":[1,2],"name":"X"}]}', { 'content-type': 'application/json' });
    expect(nested.status).toBe(200);
    expect(fixture.server.cache!.hits).toBe(hits + 1);
  });

  it('answers 400, not 500, to JSON nested 20,000 deep in data or parameters', async () => {
    const deep = (n: number) => `${'['.repeat(n)}1${']'.repeat(n)}`;
    const inData = await call('POST', '/v2/models/det/infer', `{"inputs":[{"name":"X","shape":[1,2],"datatype":"FP32","data":${deep(20000)}}]}`, { 'content-type': 'application/json' });
    expect(inData).toMatchObject({ status: 400, body: { error: expect.stringContaining('nested deeper than 64 levels') } });
    const inParams = await call('POST', '/v2/models/det/infer', `{"parameters":{"p":${deep(20000)}},"inputs":[{"name":"X","shape":[1,2],"datatype":"FP32","data":[1,2]}]}`, { 'content-type': 'application/json' });
    expect(inParams.status).toBe(400);
    const inName = await call('POST', '/v2/models/det/infer', `{"inputs":[{"name":${deep(20000)},"shape":[1,2],"datatype":"FP32","data":[1,2]}]}`, { 'content-type': 'application/json' });
    expect(inName.status).toBe(400);
  });

  it('serves each registry version loaded under one name at its version path', async () => {
    const ml = fixture.ml;
    await ml.registry.createRegisteredModel({ name: 'sig' });
    for (const w of [1, -1]) {
      const v = await ml.registry.createModelVersion({ name: 'sig', source: { bytes: await buildLogisticRegression([w, 0], 0) } });
      await approve(ml, 'sig', v.version);
    }
    await ml.registry.setAlias('sig', 'champion', 2);
    const v1 = await ml.serving.load('sig/1');
    const champion = await ml.serving.load('sig@champion');
    expect((await call('GET', '/v2/models/sig/versions/1')).body).toMatchObject({ name: 'sig', versions: ['1', '2'] });
    const body = { inputs: [{ name: 'X', shape: [1, 2], datatype: 'FP32', data: [2, 0] }] };
    const one = await call('POST', '/v2/models/sig/versions/1/infer', body);
    const two = await call('POST', '/v2/models/sig/versions/2/infer', body);
    expect(one.body).toMatchObject({ model_version: '1', outputs: [{ data: [expect.closeTo(1 / (1 + Math.exp(-2)), 5)] }] });
    expect(two.body).toMatchObject({ model_version: '2', outputs: [{ data: [expect.closeTo(1 / (1 + Math.exp(2)), 5)] }] });
    expect((await call('GET', '/v2/models/sig/versions/1/ready')).body).toEqual({ name: 'sig', ready: true });
    expect(await call('POST', '/v2/models/sig/versions/3/infer', body)).toMatchObject({ status: 404, body: { error: expect.stringContaining('version "3" is not being served (serving 1, 2)') } });
    // Without a version, the model loaded last under the name answers.
    expect((await call('POST', '/v2/models/sig/infer', body)).body.model_version).toBe('2');
    await Promise.all([v1.close(), champion.close()]);
  });
});
