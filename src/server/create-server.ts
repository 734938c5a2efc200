import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { InvalidArgumentError } from '../core/errors.js';
import type { Principal } from '../governance/principal.js';
import type { Mlops } from '../runtime.js';
import { ApiKeyAuthenticator, DEFAULT_AUTH_FAILURES, presentedKey, type AuthOptions } from './auth.js';
import { HttpError, toHttpFailure } from './http-errors.js';
import { registerArtifactRoutes } from './mlflow/artifact-routes.js';
import { registerDashboardApi } from './dashboard-api.js';
import { registerHygiene, requestId, trackMethods } from './http-hygiene.js';
import { registerLoggedModelRoutes } from './mlflow/logged-model-routes.js';
import { registerRegistryRoutes } from './mlflow/registry-routes.js';
import { registerTrackingRoutes } from './mlflow/tracking-routes.js';
import type { InferCache } from './oip/response-cache.js';
import { registerOipRoutes } from './oip/routes.js';
import { TokenBuckets, type RateLimitOptions } from './rate-limit.js';
import './request-context.js';
import { SERVER_NAME, SERVER_VERSION } from './version.js';
import { routeLabel } from './route-label.js';

import type { MlopsLogger } from '../core/logger.js';
import { registerHttpTracing } from './http-tracing.js';

export interface ServerOptions {
  /** Default 5000; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (loopback only). */
  host?: string;
  /** API keys (Authorization: Bearer or X-API-Key) -> principals. Without it every request acts as the runtime's principal. */
  auth?: AuthOptions;
  /** HTTPS: PEM key and certificate, as text/Buffers or file paths. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** Largest JSON body in bytes. Default 16 MiB. */
  bodyLimit?: number;
  /** Largest artifact upload in bytes. Default 1 GiB (streamed to the artifact store, never buffered). */
  maxArtifactBytes?: number;
  /** Token bucket per principal (per client address without auth). Default off. */
  rateLimit?: RateLimitOptions;
  /** Cross-origin requests from these origins. Default off (no CORS headers). */
  cors?: { origins: string[] };
  /** Response cache entries for models loaded with `deterministic: true`. Default 10,000; 0 turns it off. */
  cacheEntries?: number;
  /**
   * The web dashboard at `/`: true (default) serves the one built into the package when present,
   * a folder serves that build, false turns it off. Its files are public; its data needs a key.
   */
  dashboard?: boolean | string;
  /**
   * A pino-compatible logger for one access-log line per request (with trace ids). Default: none;
   * `mlops server` passes pino JSON on stdout.
   */
  logger?: MlopsLogger;
}

export interface MlopsServer {
  /** e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  readonly port: number;
  /** The fastify instance, to add routes of your own. */
  readonly app: FastifyInstance;
  /** The infer response cache (hits and misses), when on. */
  readonly cache: InferCache | undefined;
  close(): Promise<void>;
}

/**
 * Paths anyone may call: liveness and readiness probes, and the dashboard's static files. Browsers
 * ask for /favicon.ico on every page load without credentials: a 404, not a 401 in the console.
 */
const PUBLIC = new Set(['/health', '/v2/health/live', '/v2/health/ready', '/', '/index.html', '/favicon.ico', '/favicon.svg']);
const isPublic = (path: string) => PUBLIC.has(path) || path.startsWith('/assets/');

/** The dashboard build: dist/ui beside this module in the package, or the repo's dist/ui from src. */
function dashboardDir(option: boolean | string | undefined): string | undefined {
  if (option === false) return undefined;
  if (typeof option === 'string') {
    if (!existsSync(`${option}/index.html`)) throw new InvalidArgumentError(`Invalid dashboard: ${JSON.stringify(option)} has no index.html (build it with npm run build)`);
    return option;
  }
  for (const rel of ['./ui/', '../../dist/ui/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`)) return dir;
  }
  return undefined;
}

function pem(value: string | Buffer, field: string): string | Buffer {
  if (Buffer.isBuffer(value) || value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value);
  } catch (err) {
    throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(value)} is neither PEM text nor a readable file`, { cause: err });
  }
}

function positiveInt(value: unknown, field: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new InvalidArgumentError(`Invalid ${field}: ${JSON.stringify(value)} must be a whole number >= ${min}`);
  return value;
}

/** Errors in the body shape each API uses: `{ error }` for OIP, `{ error_code, message }` elsewhere. */
function sendError(ml: Mlops, req: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const f = toHttpFailure(err);
  if (!f.expected) ml.events.emit('warning', { source: 'server', message: `${req.method} ${req.url} failed`, cause: err });
  for (const [k, v] of Object.entries(f.headers)) void reply.header(k, v);
  const oip = req.url.startsWith('/v2');
  return reply.code(f.status).send(oip ? { error: f.message } : { error_code: f.mlflowCode, message: f.message });
}

/**
 * The HTTP face of a runtime: MLflow's REST API under /api/2.0/mlflow, the Open Inference Protocol
 * under /v2, Prometheus metrics at /metrics. Listens before it resolves.
 */
export async function createServer(ml: Mlops, options: ServerOptions = {}): Promise<MlopsServer> {
  const port = positiveInt(options.port, 'port', 5000, 0);
  const host = options.host ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0) throw new InvalidArgumentError(`Invalid host: ${JSON.stringify(options.host)}`);
  const bodyLimit = positiveInt(options.bodyLimit, 'bodyLimit', 16 * 1024 * 1024);
  const maxArtifactBytes = positiveInt(options.maxArtifactBytes, 'maxArtifactBytes', 1024 * 1024 * 1024);
  const cacheEntries = positiveInt(options.cacheEntries, 'cacheEntries', 10_000, 0);
  const auth = options.auth !== undefined ? new ApiKeyAuthenticator(options.auth) : undefined;
  const buckets = options.rateLimit !== undefined ? new TokenBuckets(options.rateLimit) : undefined;
  const failures = auth !== undefined && options.auth?.failures !== false ? new TokenBuckets(options.auth?.failures ?? DEFAULT_AUTH_FAILURES, undefined, 'auth.failures') : undefined;
  if (options.cors !== undefined && (!Array.isArray(options.cors.origins) || options.cors.origins.some((o) => typeof o !== 'string'))) {
    throw new InvalidArgumentError('Invalid cors.origins: expected a list of origins such as https://desk.example.com');
  }
  const https = options.tls !== undefined ? { key: pem(options.tls.key, 'tls.key'), cert: pem(options.tls.cert, 'tls.cert') } : null;

  const app = (https !== null ? Fastify({ https, bodyLimit, logger: false, genReqId: requestId }) : Fastify({ bodyLimit, logger: false, genReqId: requestId })) as unknown as FastifyInstance;
  registerHttpTracing(app, options.logger);
  if (options.cors !== undefined) {
    const { default: cors } = await import('@fastify/cors');
    await app.register(cors, {
      origin: options.cors.origins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'x-request-id', 'inference-header-content-length'],
      exposedHeaders: ['x-request-id', 'retry-after', 'content-disposition', 'inference-header-content-length'],
    });
  }
  await registerHygiene(app, { tls: https !== null, cors: options.cors !== undefined });
  const allowedMethods = trackMethods(app);
  // tritonclient's HTTP client and KServe's InferenceRESTClient send JSON infer bodies without a
  // Content-Type: OIP paths read any body as JSON; elsewhere a body must say what it is. A body of
  // the binary data extension (Inference-Header-Content-Length) stays bytes for the infer route.
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (req, body, done) => {
    if (!req.url.startsWith('/v2/')) return done(new HttpError(415, 'BAD_REQUEST', `Unsupported Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')}: send the header content-type: application/json (curl -d sends a form; add -H 'content-type: application/json')`), undefined);
    if (req.headers['inference-header-content-length'] !== undefined) return done(null, body);
    return json(req, body.toString('utf8'), done);
  });

  // One view per principal: RBAC and the audit trail see who called.
  const views = new Map<string, Mlops>();
  const viewOf = (p: Principal): Mlops => {
    const key = `${p.id}\u0000${p.roles.join(',')}`;
    let v = views.get(key);
    if (v === undefined) {
      v = ml.as(p);
      views.set(key, v);
    }
    return v;
  };
  app.decorateRequest('ml', null as unknown as Mlops);
  app.addHook('onRequest', async (req) => {
    req.ml = ml;
    const path = req.url.split('?', 1)[0] ?? '';
    if (isPublic(path)) return;
    let caller: string;
    if (auth !== undefined) {
      // Only a presented key can be a guess: keyless requests are neither counted nor throttled.
      const guessing = failures !== undefined && presentedKey(req.headers) !== undefined;
      if (guessing) failures.check(req.ip, 'failed authentications');
      let principal: Principal;
      try {
        principal = auth.authenticate(req.headers);
      } catch (err) {
        if (guessing) failures.charge(req.ip);
        throw err;
      }
      req.ml = viewOf(principal);
      caller = principal.id;
    } else caller = req.ip;
    buckets?.take(caller);
  });

  const requests = ml.metrics.counter({ name: 'http_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['method', 'route', 'status'] as const });
  const duration = ml.metrics.histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request time from arrival to response',
    labelNames: ['route'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = routeLabel(req.routeOptions.url);
    requests.inc({ method: req.method, route, status: String(reply.statusCode) });
    duration.observe({ route }, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, req, reply) => sendError(ml, req, reply, err));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?', 1)[0];
    const allow = allowedMethods(req);
    if (allow.length > 0) {
      return sendError(ml, req, reply, new HttpError(405, 'BAD_REQUEST', `Method ${req.method} is not allowed on ${path} (allowed: ${allow.join(', ')})`, { allow: allow.join(', ') }));
    }
    return sendError(ml, req, reply, new HttpError(404, 'ENDPOINT_NOT_FOUND', `No endpoint ${req.method} ${path}`));
  });

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_req, reply) => reply.type(ml.metrics.registry.contentType).send(await ml.metrics.registry.metrics()));
  registerTrackingRoutes(app);
  registerLoggedModelRoutes(app);
  registerRegistryRoutes(app);
  registerArtifactRoutes(app, { maxArtifactBytes });
  registerDashboardApi(app);
  const ui = dashboardDir(options.dashboard);
  if (ui !== undefined) {
    const { default: fastifyStatic } = await import('@fastify/static');
    await app.register(fastifyStatic, { root: ui, prefix: '/', wildcard: false, index: ['index.html'] });
  }
  const cache = registerOipRoutes(app, { serverName: SERVER_NAME, serverVersion: SERVER_VERSION, cacheEntries });

  if (auth === undefined && host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    ml.events.emit('warning', { source: 'server', message: `Serving on ${host} without authentication: every caller acts as ${ml.principal.id}; pass auth.apiKeys` });
  }
  await app.listen({ port, host });
  const address = app.server.address();
  const boundPort = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `${https !== null ? 'https' : 'http'}://${shownHost}:${boundPort}`,
    port: boundPort,
    app,
    cache,
    close: () => app.close(),
  };
}
