import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidArgumentError } from '../../core/errors.js';
import '../request-context.js';
import { HttpError } from '../http-errors.js';
import { locateProxyPath } from './artifact-uris.js';
import { fileInfoJson } from './shapes.js';

const BASE = '/api/2.0/mlflow-artifacts/artifacts';

/** Counts bytes on their way to the store and stops the upload past the limit. */
function limited(source: Readable, maxBytes: number): Readable {
  let seen = 0;
  const guard = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > maxBytes) done(new HttpError(413, 'REQUEST_LIMIT_EXCEEDED', `Artifact larger than the server's limit of ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  source.on('error', (err) => guard.destroy(err));
  return source.pipe(guard);
}

/**
 * MLflow's artifact proxy (`mlflow-artifacts:/` URIs), what the Python client's
 * MlflowArtifactsRepository calls: upload (PUT), download (GET), listing (GET with `path`) and
 * DELETE, for run artifacts and logged models' folders. Uploads are one PUT each, streamed to the
 * store, up to `maxArtifactBytes`; the multipart `mpu/*` routes are not served (the client only
 * uses them when MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD is set).
 */
export function registerArtifactRoutes(app: FastifyInstance, options: { maxArtifactBytes: number }): void {
  void app.register(async (scope) => {
    // Artifacts are bytes whatever their content type: stream them instead of parsing.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req: FastifyRequest, payload: Readable, done: (err: Error | null, body?: unknown) => void) => done(null, payload));
    const target = (req: FastifyRequest) => locateProxyPath((req.params as { '*': string })['*']);
    scope.put(`${BASE}/*`, async (req) => {
      const t = target(req);
      if (t.path === '') throw new InvalidArgumentError('Invalid artifact path: name a file under artifacts/');
      const body = req.body as Readable | undefined;
      const source = body === undefined ? new Uint8Array(0) : limited(body, options.maxArtifactBytes);
      const info = t.kind === 'run' ? await req.ml.tracking.logArtifact(t.runId, t.path, source) : await req.ml.tracking.logModelArtifact(t.modelId, t.path, source);
      return { path: t.path, file_size: info.size };
    });
    scope.get(`${BASE}/*`, async (req, reply) => {
      const t = target(req);
      const stream = t.kind === 'run' ? await req.ml.tracking.openArtifact(t.runId, t.path) : await req.ml.tracking.openModelArtifact(t.modelId, t.path);
      return reply.type('application/octet-stream').header('content-disposition', `attachment; filename="${(t.path.split('/').pop() ?? 'artifact').replace(/"/g, '')}"`).send(stream);
    });
    scope.delete(`${BASE}/*`, async (req) => {
      const t = target(req);
      if (t.kind === 'run') await req.ml.tracking.deleteArtifacts(t.runId, t.path);
      else await req.ml.tracking.deleteModelArtifacts(t.modelId, t.path);
      return {};
    });
    scope.get(BASE, async (req) => {
      const q = req.query as { path?: unknown };
      const t = locateProxyPath(typeof q.path === 'string' ? q.path : '');
      const files = t.kind === 'run' ? await req.ml.tracking.listArtifacts(t.runId, t.path || undefined) : await req.ml.tracking.listModelArtifacts(t.modelId, t.path || undefined);
      // MLflow lists names relative to the folder asked for.
      const prefix = t.path === '' ? '' : `${t.path}/`;
      return { files: files.map((e) => fileInfoJson({ ...e, path: e.path.startsWith(prefix) ? e.path.slice(prefix.length) : e.path })) };
    });
  });
}
