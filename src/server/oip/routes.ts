import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidArgumentError, NotFoundError, UnavailableError } from '../../core/errors.js';
import type { ServedModel } from '../../serving/served-model.js';
import '../request-context.js';
import type { Outputs } from '../../serving/batcher.js';
import { toTensors } from '../../serving/inputs.js';
import { BINARY_EXTENSION, HEADER_LENGTH, binaryResponse, binarySize, decodeBinary, encodeBinary, splitBinaryBody, wantsBinary } from './binary-data.js';
import { checkDepth } from './json-depth.js';
import { InferCache } from './response-cache.js';
import { oipDatatype, oipShape, outputJson, parseInferInput } from './tensors.js';

export interface OipOptions {
  serverName: string;
  serverVersion: string;
  /** Entries in the response cache for deterministic models; 0 turns it off. */
  cacheEntries: number;
}

/**
 * The model a request names, readable by its principal. With a version in the path, the loaded model
 * of that name serving that registry version (several versions of one name may be loaded side by side);
 * without one, the model most recently loaded under the name.
 */
function modelOf(req: FastifyRequest): ServedModel {
  const { name, version } = req.params as { name: string; version?: string };
  req.ml.authorizer.check(req.ml.principal, 'read', { kind: 'registered_model', name });
  if (version === undefined) {
    const model = req.ml.serving.get(name);
    if (model === undefined) throw new NotFoundError(`Model ${JSON.stringify(name)} is not loaded on this server`);
    return model;
  }
  const named = req.ml.serving.list().filter((m) => m.name === name);
  if (named.length === 0) throw new NotFoundError(`Model ${JSON.stringify(name)} is not loaded on this server`);
  // The one loaded last of that version (Array#findLast is ES2023; the package targets ES2022).
  const model = [...named].reverse().find((m) => String(m.version ?? '') === version);
  if (model === undefined) {
    throw new NotFoundError(`Model ${name} version ${JSON.stringify(version)} is not being served (serving ${named.map((m) => m.version ?? 'a file').join(', ')})`);
  }
  return model;
}

/** Versions being served under a name, oldest load first. */
function versionsOf(req: FastifyRequest, name: string): string[] {
  const versions = req.ml.serving
    .list()
    .filter((m) => m.name === name && m.version !== null)
    .map((m) => String(m.version));
  return [...new Set(versions)];
}

/** Open Inference Protocol v2 (KServe V2) over ml.serving: health, metadata, infer with dynamic batching. */
export function registerOipRoutes(app: FastifyInstance, options: OipOptions): InferCache | undefined {
  const cache = options.cacheEntries > 0 ? new InferCache(options.cacheEntries) : undefined;

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (req, reply) => {
    const ready = req.ml.serving.list().every((m) => m.ready);
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  app.get('/v2', async () => ({ name: options.serverName, version: options.serverVersion, extensions: [BINARY_EXTENSION] }));

  const metadata = async (req: FastifyRequest) => {
    const m = modelOf(req);
    return {
      name: m.name,
      versions: versionsOf(req, m.name),
      platform: 'onnx_onnxv1',
      inputs: m.signature.inputs.map((s) => ({ name: s.name, datatype: oipDatatype(s.elementType), shape: oipShape(s) })),
      outputs: m.signature.outputs.map((s) => ({ name: s.name, datatype: oipDatatype(s.elementType), shape: oipShape(s) })),
    };
  };
  app.get('/v2/models/:name', metadata);
  app.get('/v2/models/:name/versions/:version', metadata);

  const ready = async (req: FastifyRequest, reply: { code(n: number): { send(b: unknown): unknown } }) => {
    const m = modelOf(req);
    return reply.code(m.ready ? 200 : 503).send({ name: m.name, ready: m.ready });
  };
  app.get('/v2/models/:name/ready', ready);
  app.get('/v2/models/:name/versions/:version/ready', ready);

  const infer = async (req: FastifyRequest, reply: FastifyReply) => {
    const model = modelOf(req);
    if (!model.ready) throw new UnavailableError(`Model ${model.name} has no approved version to serve`);
    let body = req.body as { id?: unknown; parameters?: unknown; inputs?: unknown; outputs?: unknown } | null;
    let binary: Uint8Array | undefined;
    if (body instanceof Uint8Array) ({ json: body, binary } = splitBinaryBody(body, req.headers[HEADER_LENGTH]) as { json: typeof body; binary: Uint8Array });
    checkDepth(body);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('Invalid request body: expected an object with inputs');
    if (!Array.isArray(body.inputs) || body.inputs.length === 0) throw new InvalidArgumentError('Invalid inputs: expected a non-empty list of tensors');
    if (body.id !== undefined && typeof body.id !== 'string') throw new InvalidArgumentError(`Invalid id: ${JSON.stringify(body.id)} must be a string`);
    let wanted: string[] | undefined;
    let asBinary = (_name: string) => wantsBinary(body?.parameters, undefined);
    if (body.outputs !== undefined) {
      if (!Array.isArray(body.outputs)) throw new InvalidArgumentError('Invalid outputs: expected a list of { name }');
      const names = model.signature.outputs.map((o) => o.name);
      const params = new Map<string, unknown>();
      wanted = body.outputs.map((o: unknown, i) => {
        const name = (o as { name?: unknown } | null)?.name;
        if (typeof name !== 'string' || !names.includes(name)) throw new InvalidArgumentError(`Invalid outputs[${i}].name: ${JSON.stringify(name)} is not an output of ${model.name} (outputs: ${names.join(', ')})`);
        params.set(name, (o as { parameters?: unknown }).parameters);
        return name;
      });
      asBinary = (name) => wantsBinary(body?.parameters, params.get(name));
    }
    // model_version only when one is served (a model loaded from a file has none); a request's
    // `parameters` are never echoed: a response's parameters are the server's, the same on a cache hit.
    const head = { model_name: model.name, ...(model.version !== null ? { model_version: String(model.version) } : {}), ...(body.id !== undefined ? { id: body.id } : {}) };
    const feeds: Record<string, { data: ArrayLike<unknown>; dims: number[] }> = {};
    let offset = 0;
    body.inputs.forEach((raw, i) => {
      const size = binarySize(raw, `inputs[${i}]`);
      let values: ArrayLike<unknown> | undefined;
      if (size !== undefined) {
        if (binary === undefined || offset + size > binary.length) {
          throw new InvalidArgumentError(`Invalid inputs[${i}].parameters.binary_data_size: ${size} bytes, but the body has ${binary === undefined ? 'no binary section (send Inference-Header-Content-Length)' : `${binary.length - offset} left`}`);
        }
        values = decodeBinary(binary.subarray(offset, offset + size), String((raw as { datatype?: unknown }).datatype), `inputs[${i}]`);
        offset += size;
      }
      const t = parseInferInput(raw, i, model.signature.inputs, values);
      if (feeds[t.name] !== undefined) throw new InvalidArgumentError(`Invalid inputs[${i}].name: ${t.name} is given twice`);
      feeds[t.name] = { data: t.data, dims: t.dims };
    });
    if (binary !== undefined && offset !== binary.length) throw new InvalidArgumentError(`Invalid request body: ${binary.length - offset} bytes after the JSON belong to no input's binary_data_size`);
    // Checked and converted as predict() does, so the cache key is made from the values the model would see.
    const { tensors } = toTensors(undefined as never, feeds, model.signature, model.layout);
    const key = cache !== undefined && model.deterministic ? cache.key(model, tensors as never, wanted) : undefined;
    let result = key !== undefined ? cache?.get(model, key) : undefined;
    if (result === undefined) {
      const outputs = await model.predict(tensors as never);
      result = { outputs: Object.entries(outputs).filter(([name]) => wanted === undefined || wanted.includes(name)) };
      if (key !== undefined) cache?.set(key, result);
    }
    const entries = result.outputs as Array<[string, Outputs[string]]>;
    // The version that answered (a hot swap may have landed while the request waited), on the response
    // and on each output tensor (OIP allows parameters per output): what produced the decision.
    const answeredBy = model.version;
    const stamp = answeredBy === null ? undefined : { model_version: String(answeredBy) };
    const response = { ...head, ...(stamp !== undefined ? stamp : {}) };
    if (!entries.some(([name]) => asBinary(name))) return { ...response, outputs: entries.map(([name, out]) => ({ ...outputJson(name, out), ...(stamp !== undefined ? { parameters: stamp } : {}) })) };
    const chunks: Uint8Array[] = [];
    const outputsJson = entries.map(([name, out]) => {
      if (!asBinary(name)) return { ...outputJson(name, out), ...(stamp !== undefined ? { parameters: stamp } : {}) };
      const bytes = encodeBinary(out);
      chunks.push(bytes);
      return { name, datatype: oipDatatype(out.type), shape: out.dims, parameters: { ...stamp, binary_data_size: bytes.length } };
    });
    const { body: payload, headerLength } = binaryResponse({ ...response, outputs: outputsJson }, chunks);
    return reply.header('content-type', 'application/octet-stream').header(HEADER_LENGTH, String(headerLength)).send(payload);
  };
  // A body with Inference-Header-Content-Length is JSON followed by bytes, whatever its Content-Type
  // says (Triton's Python client sends none): it is read as raw bytes and split in infer().
  const binaryBody = async (req: FastifyRequest) => {
    if (req.headers[HEADER_LENGTH] !== undefined) req.headers['content-type'] = 'application/octet-stream';
  };
  if (!app.hasContentTypeParser('application/octet-stream')) {
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (req, payload, done) => {
      if (!req.url.startsWith('/v2/')) done(Object.assign(new Error('Unsupported Media Type: application/octet-stream'), { statusCode: 415 }), undefined);
      else done(null, payload);
    });
  }
  app.post('/v2/models/:name/infer', { onRequest: binaryBody }, infer);
  app.post('/v2/models/:name/versions/:version/infer', { onRequest: binaryBody }, infer);
  return cache;
}
