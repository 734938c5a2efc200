import { SpanKind, SpanStatusCode, context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { isMlopsError } from './errors.js';
import type { MlopsLogger } from './logger.js';

/**
 * OpenTelemetry traces through @opentelemetry/api only: with no SDK in the host every call below is the
 * API's no-op. Span names are `mlops.<module>.<operation>`; attributes follow OpenTelemetry's semantic
 * conventions where one exists and use `mlops.*` otherwise.
 */
export const tracer = trace.getTracer('@trademaster/mlops');

/**
 * How a method is traced. `hot` methods (predict, getOnline: microseconds each) get a span only inside
 * a span the host is recording, e.g. its HTTP request; a root span per call would cost more than the
 * call. The others always get one, a root span when there is no parent.
 */
export interface SpanSpec {
  name: string;
  hot?: boolean;
  attributes?: (args: readonly unknown[]) => Attributes;
  /** Instruments what the method resolves to (serving.load's model, startRun's handle). */
  result?: (value: unknown) => void;
}

export interface InstrumentOptions {
  logger?: MlopsLogger;
  /** Calls slower than this are logged at warn with their trace id. Default 1000 ms. */
  slowMs?: number;
}

function recordingParent(): boolean {
  return trace.getActiveSpan()?.isRecording() === true;
}

function finish(span: Span, err: unknown): void {
  if (err !== undefined) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
    if (isMlopsError(err)) span.setAttribute('mlops.error.code', err.code);
  }
  span.end();
}

/** Log fields that tie a line to the active trace (ECS/OpenTelemetry names). */
export function traceFields(): Record<string, string> {
  const ctx = trace.getActiveSpan()?.spanContext();
  return ctx === undefined || !trace.isSpanContextValid(ctx) ? {} : { trace_id: ctx.traceId, span_id: ctx.spanId };
}

/**
 * Wraps the named methods of one object (a facade or a handle) in spans, as own properties that call
 * the prototype's method with the object itself as `this` (private fields keep working). Failures and
 * slow calls are logged when a logger is given. Returns the same object.
 */
export function instrumentMethods<T extends object>(target: T, specs: Readonly<Record<string, SpanSpec>>, options: InstrumentOptions = {}): T {
  const slowMs = options.slowMs ?? 1000;
  const log = options.logger;
  for (const [method, spec] of Object.entries(specs)) {
    const original = (target as Record<string, unknown>)[method];
    if (typeof original !== 'function') continue;
    const call = original as (...args: unknown[]) => unknown;
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      if (spec.hot === true && !recordingParent()) return call.apply(target, args);
      const started = log !== undefined ? performance.now() : 0;
      const span = tracer.startSpan(spec.name, { kind: SpanKind.INTERNAL, attributes: spec.attributes?.(args) });
      const after = (err: unknown) => {
        if (log !== undefined) {
          const ms = performance.now() - started;
          const ctx = span.spanContext();
          const fields = { trace_id: ctx.traceId, span_id: ctx.spanId, operation: spec.name, duration_ms: Math.round(ms * 100) / 100 };
          if (err !== undefined) {
            const code = isMlopsError(err) ? err.code : 'INTERNAL';
            const level = code === 'UNAVAILABLE' || code === 'INTERNAL' ? 'error' : 'debug';
            log[level]({ ...fields, err, code }, `${spec.name} failed: ${(err as Error)?.message}`);
          } else if (ms > slowMs) log.warn(fields, `${spec.name} took ${Math.round(ms)} ms`);
        }
        finish(span, err);
      };
      let out: unknown;
      try {
        out = context.with(trace.setSpan(context.active(), span), () => call.apply(target, args));
      } catch (err) {
        after(err);
        throw err;
      }
      if (out instanceof Promise) {
        return out.then(
          (value: unknown) => {
            spec.result?.(value);
            after(undefined);
            return value;
          },
          (err: unknown) => {
            after(err);
            throw err;
          },
        );
      }
      spec.result?.(out);
      after(undefined);
      return out;
    };
    Object.defineProperty(target, method, { value: wrapped, configurable: true, writable: true, enumerable: false });
  }
  return target;
}
