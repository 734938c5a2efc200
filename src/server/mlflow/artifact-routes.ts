import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidArgumentError } from '../../core/errors.js';
import '../request-context.js';
import { HttpError } from '../http-errors.js';
import { fileInfoJson } from './shapes.js';

const BASE = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * MLflow's artifact proxy paths: `<experiment_id>/<run_id>/artifacts/<path>` (what mlflow-artifacts:/
 * URIs hold). Also accepts `<run_id>/artifacts/<path>`.
 */
function locate(path: string): { runId: string; path: string } {
  const m = /^(?:[^/]+\/)?([0-9a-f]{32})\/artifacts(?:\/(.*))?$/.exec(path.replace(/^\/+/, ''));
  if (m?.[1] === undefined) {
    throw new InvalidArgumentError(`Invalid artifact path ${JSON.stringify(path)}: expected <experiment_id>/<run_id>/artifacts/<path>`, { details: { field: 'path' } });
  }
  return { runId: m[1], path: m[2] ?? '' };
}

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

/** Upload (PUT), download (GET) and listing of run artifacts through the server. */
export function registerArtifactRoutes(app: FastifyInstance, options: { maxArtifactBytes: number }): void {
  void app.register(async (scope) => {
    // Artifacts are bytes whatever their content type: stream them instead of parsing.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req: FastifyRequest, payload: Readable, done: (err: Error | null, body?: unknown) => void) => done(null, payload));
    scope.put(`${BASE}/*`, async (req) => {
      const { runId, path } = locate((req.params as { '*': string })['*']);
      if (path === '') throw new InvalidArgumentError('Invalid artifact path: name a file under artifacts/');
      const body = req.body as Readable | undefined;
      const info = await req.ml.tracking.logArtifact(runId, path, body === undefined ? new Uint8Array(0) : limited(body, options.maxArtifactBytes));
      return { path, file_size: info.size };
    });
    scope.get(`${BASE}/*`, async (req, reply) => {
      const { runId, path } = locate((req.params as { '*': string })['*']);
      const stream = await req.ml.tracking.openArtifact(runId, path);
      return reply.type('application/octet-stream').header('content-disposition', `attachment; filename="${(path.split('/').pop() ?? 'artifact').replace(/"/g, '')}"`).send(stream);
    });
    scope.get(BASE, async (req) => {
      const q = req.query as { path?: unknown };
      const { runId, path } = locate(typeof q.path === 'string' ? q.path : '');
      const files = await req.ml.tracking.listArtifacts(runId, path || undefined);
      // MLflow lists names relative to the folder asked for.
      const prefix = path === '' ? '' : `${path.replace(/\/+$/, '')}/`;
      return { files: files.map((e) => fileInfoJson({ ...e, path: e.path.startsWith(prefix) ? e.path.slice(prefix.length) : e.path })) };
    });
  });
}
