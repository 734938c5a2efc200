import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidArgumentError, NotFoundError, UnavailableError } from '../../core/errors.js';
import type { ServedModel } from '../../serving/served-model.js';
import '../request-context.js';
import { InferCache } from './response-cache.js';
import { oipDatatype, oipShape, outputJson, parseInferInput } from './tensors.js';

export interface OipOptions {
  serverName: string;
  serverVersion: string;
  /** Entries in the response cache for deterministic models; 0 turns it off. */
  cacheEntries: number;
}

/** The model a request names (and the version, when the path gives one), readable by its principal. */
function modelOf(req: FastifyRequest): ServedModel {
  const { name, version } = req.params as { name: string; version?: string };
  req.ml.authorizer.check(req.ml.principal, 'read', { kind: 'registered_model', name });
  const model = req.ml.serving.get(name);
  if (model === undefined) throw new NotFoundError(`Model ${JSON.stringify(name)} is not loaded on this server`);
  if (version !== undefined && String(model.version ?? '') !== version) {
    throw new NotFoundError(`Model ${name} version ${JSON.stringify(version)} is not being served (serving ${model.version ?? 'a file'})`);
  }
  return model;
}

/** Open Inference Protocol v2 (KServe V2) over ml.serving: health, metadata, infer with dynamic batching. */
export function registerOipRoutes(app: FastifyInstance, options: OipOptions): InferCache | undefined {
  const cache = options.cacheEntries > 0 ? new InferCache(options.cacheEntries) : undefined;

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (req, reply) => {
    const ready = req.ml.serving.list().every((m) => m.ready);
    return reply.code(ready ? 200 : 503).send({ ready });
  });
  app.get('/v2', async () => ({ name: options.serverName, version: options.serverVersion, extensions: [] }));

  const metadata = async (req: FastifyRequest) => {
    const m = modelOf(req);
    return {
      name: m.name,
      versions: m.version !== null ? [String(m.version)] : [],
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

  const infer = async (req: FastifyRequest) => {
    const model = modelOf(req);
    if (!model.ready) throw new UnavailableError(`Model ${model.name} has no approved version to serve`);
    const body = req.body as { id?: unknown; parameters?: unknown; inputs?: unknown; outputs?: unknown } | null;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidArgumentError('Invalid request body: expected an object with inputs');
    if (!Array.isArray(body.inputs) || body.inputs.length === 0) throw new InvalidArgumentError('Invalid inputs: expected a non-empty list of tensors');
    if (body.id !== undefined && typeof body.id !== 'string') throw new InvalidArgumentError(`Invalid id: ${JSON.stringify(body.id)} must be a string`);
    let wanted: string[] | undefined;
    if (body.outputs !== undefined) {
      if (!Array.isArray(body.outputs)) throw new InvalidArgumentError('Invalid outputs: expected a list of { name }');
      const names = model.signature.outputs.map((o) => o.name);
      wanted = body.outputs.map((o: unknown, i) => {
        const name = (o as { name?: unknown } | null)?.name;
        if (typeof name !== 'string' || !names.includes(name)) throw new InvalidArgumentError(`Invalid outputs[${i}].name: ${JSON.stringify(name)} is not an output of ${model.name} (outputs: ${names.join(', ')})`);
        return name;
      });
    }
    // model_version only when one is served (a model loaded from a file has none); a request's
    // `parameters` are never echoed: a response's parameters are the server's, the same on a cache hit.
    const head = { model_name: model.name, ...(model.version !== null ? { model_version: String(model.version) } : {}), ...(body.id !== undefined ? { id: body.id } : {}) };
    const key = cache !== undefined && model.deterministic ? cache.key(model, { inputs: body.inputs, outputs: wanted }) : undefined;
    if (key !== undefined) {
      const hit = cache?.get(model, key);
      if (hit !== undefined) return { ...head, ...hit };
    }
    const feeds: Record<string, { data: unknown[]; dims: number[] }> = {};
    body.inputs.forEach((raw, i) => {
      const t = parseInferInput(raw, i, model.signature.inputs);
      if (feeds[t.name] !== undefined) throw new InvalidArgumentError(`Invalid inputs[${i}].name: ${t.name} is given twice`);
      feeds[t.name] = { data: t.data, dims: t.dims };
    });
    const outputs = await model.predict(feeds);
    // The version that answered (a hot swap may have landed while the request waited), on the
    // response and on each output tensor (OIP allows parameters per output): what produced the decision.
    const answeredBy = model.version;
    const stamp = answeredBy === null ? {} : { parameters: { model_version: String(answeredBy) } };
    const result = {
      outputs: Object.entries(outputs)
        .filter(([name]) => wanted === undefined || wanted.includes(name))
        .map(([name, out]) => ({ ...outputJson(name, out), ...stamp })),
    };
    if (key !== undefined) cache?.set(key, result);
    // The version that answered (an alias swap may land while the request waits); none for an unversioned model.
    return { ...head, ...(answeredBy !== null ? { model_version: String(answeredBy) } : {}), ...result };
  };
  app.post('/v2/models/:name/infer', infer);
  app.post('/v2/models/:name/versions/:version/infer', infer);
  return cache;
}
