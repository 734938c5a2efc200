import { SpanKind, SpanStatusCode, context, propagation, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MlopsLogger } from '../core/logger.js';
import { tracer } from '../core/tracing.js';

const spans = new WeakMap<FastifyRequest, Span>();

/**
 * A SERVER span per request, child of the caller's W3C `traceparent` when it sends one, active while the
 * route runs (so predict, search and registry spans nest under it); attributes per OpenTelemetry's HTTP
 * conventions. With a logger, one access-log line per request carries the trace ids. Registered first,
 * so refused requests (401, 429) are traced and logged too.
 */
export function registerHttpTracing(app: FastifyInstance, logger: MlopsLogger | undefined): void {
  app.addHook('onRequest', (req, _reply, done) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': req.url.split('?', 1)[0] ?? '', 'server.address': req.hostname, 'client.address': req.ip },
      },
      parent,
    );
    spans.set(req, span);
    context.with(trace.setSpan(parent, span), done);
  });
  app.addHook('onError', async (req, _reply, err) => {
    spans.get(req)?.recordException(err);
  });
  app.addHook('onResponse', async (req, reply) => {
    const span = spans.get(req);
    if (span === undefined) return;
    const route = req.routeOptions.url;
    const status = reply.statusCode;
    if (route !== undefined) {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute('http.route', route);
    }
    span.setAttribute('http.response.status_code', status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    if (logger !== undefined) {
      const ctx = span.spanContext();
      const fields = {
        trace_id: ctx.traceId,
        span_id: ctx.spanId,
        method: req.method,
        route: route ?? 'unmatched',
        status,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
        client: req.ip,
      };
      if (status >= 500) logger.error(fields, `${req.method} ${req.url.split('?', 1)[0]} ${status}`);
      else logger.info(fields, `${req.method} ${req.url.split('?', 1)[0]} ${status}`);
    }
  });
}
