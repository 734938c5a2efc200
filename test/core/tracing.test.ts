import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createMlops, type Mlops } from '../../src/index.js';
import { buildMlp } from '../../src/onnx/model-builder.js';
import { createServer, type MlopsServer } from '../../src/server.js';
import { tempDir } from '../helpers/services.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const host = trace.getTracer('host-service');

function spans(name: string): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.name === name);
}
function one(name: string): ReadableSpan {
  const found = spans(name);
  expect(found, `spans named ${name}: ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`).toHaveLength(1);
  return found[0]!;
}
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

interface LogLine {
  level: string;
  obj: Record<string, unknown>;
  msg?: string;
}

describe('OpenTelemetry spans and structured logs', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let ml: Mlops;
  const lines: LogLine[] = [];
  const logger = Object.fromEntries(['error', 'warn', 'info', 'debug'].map((level) => [level, (obj: Record<string, unknown>, msg?: string) => lines.push({ level, obj, msg })])) as unknown as Parameters<typeof createMlops>[0] extends infer O ? (O extends { logger?: infer L } ? L : never) : never;

  beforeAll(async () => {
    provider.register();
    dir = await tempDir('mlops-otel-');
    ml = await createMlops({ dir: dir.path, env: {}, logger, slowOperationMs: 10_000 });
    await ml.features.apply({ entities: [{ name: 'instrument', joinKeys: ['symbol'] }], views: [{ name: 'px', entities: ['instrument'], schema: { vwap: 'float64' } }] });
  });
  afterAll(async () => {
    await ml.close();
    await dir.remove();
    await provider.shutdown();
    trace.disable();
  });
  beforeEach(() => {
    exporter.reset();
    lines.length = 0;
  });

  it('traces writes, searches and registry transitions as root spans with store attributes', async () => {
    await ml.features.push('px', [{ symbol: 'A', event_ts: Date.now(), vwap: 1 }], { to: 'online_and_offline' });
    const push = one('mlops.features.push');
    expect(push.attributes).toMatchObject({ 'mlops.feature_view': 'px', 'mlops.rows.count': 1, 'db.system': 'memory' });
    expect(parentOf(push)).toBeUndefined();

    const exp = await ml.tracking.createExperiment({ name: 'otel' });
    const run = await ml.tracking.startRun({ experimentId: exp.experimentId });
    await run.logBatch({ metrics: [{ key: 'auc', value: 0.9, step: 0 }], params: [{ key: 'lr', value: '0.1' }] });
    expect(one('mlops.tracking.log_batch').attributes).toMatchObject({ 'db.system': 'sqlite', 'mlops.run.id': run.runId, 'mlops.batch.metrics': 1, 'mlops.batch.params': 1 });
    await ml.tracking.searchRuns({ experimentIds: [exp.experimentId], filter: 'metrics.auc > 0.5' });
    expect(one('mlops.tracking.search_runs').attributes['mlops.search.filter']).toBe('metrics.auc > 0.5');

    const bytes = await buildMlp({ inputSize: 2, layers: [{ weights: [1, 2], bias: [0] }] });
    await ml.registry.createRegisteredModel({ name: 'sig' });
    const mv = await ml.registry.createModelVersion({ name: 'sig', source: { bytes } });
    await ml.as({ id: 'quant', roles: ['data-scientist'] }).registry.requestApproval('sig', mv.version);
    await ml.as({ id: 'risk', roles: ['reviewer'] }).registry.approve('sig', mv.version, { reason: 'backtest ok' });
    expect(one('mlops.registry.approve').attributes).toMatchObject({ 'mlops.model.name': 'sig', 'mlops.model.version': mv.version });
    await ml.registry.setAlias('sig', 'champion', mv.version);
    expect(one('mlops.registry.set_alias').attributes).toMatchObject({ 'mlops.model.alias': 'champion' });
    // Registry decisions and alias moves are logged as structured lines.
    expect(lines.find((l) => l.obj.event === 'registry.approval.changed' && l.obj.actor === 'risk')?.obj).toMatchObject({ model: 'sig', to: 'approved', reason: 'backtest ok' });
    expect(lines.find((l) => l.obj.event === 'registry.alias.set')?.obj).toMatchObject({ model: 'sig', alias: 'champion', version: mv.version });
  });

  it('gives hot calls (getOnline, predict) a span only inside a span the host records', async () => {
    const bytes = await buildMlp({ inputSize: 2, layers: [{ weights: [1, 2], bias: [0] }] });
    const model = await ml.serving.load({ bytes, name: 'hot' });
    exporter.reset();
    await ml.features.getOnline({ features: ['px:vwap'], entities: [{ symbol: 'A' }] });
    await model.predict({ X: [[1, 2]] });
    expect(exporter.getFinishedSpans()).toHaveLength(0);

    await host.startActiveSpan('handle-order', async (parent) => {
      await ml.features.getOnline({ features: ['px:vwap'], entities: [{ symbol: 'A' }] });
      await model.predict({ X: [[1, 2]] });
      parent.end();
    });
    const parent = one('handle-order');
    const get = one('mlops.features.get_online');
    const predict = one('mlops.serving.predict');
    expect(parentOf(get)).toBe(parent.spanContext().spanId);
    expect(parentOf(predict)).toBe(parent.spanContext().spanId);
    expect(get.spanContext().traceId).toBe(parent.spanContext().traceId);
    expect(predict.attributes).toMatchObject({ 'mlops.model.name': 'hot' });
    await model.close();
  });

  it('records failures on the span and logs them with the trace id', async () => {
    await host.startActiveSpan('bad-push', async (parent) => {
      await expect(ml.features.push('px', [{ symbol: 'A', event_ts: Date.now(), vwap: 'x' }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      parent.end();
    });
    const push = one('mlops.features.push');
    expect(push.status.code).toBe(2); // ERROR
    expect(push.attributes['mlops.error.code']).toBe('INVALID_ARGUMENT');
    const line = lines.find((l) => l.obj.operation === 'mlops.features.push');
    expect(line?.obj).toMatchObject({ trace_id: push.spanContext().traceId, code: 'INVALID_ARGUMENT' });
  });

  it('continues the caller W3C trace over HTTP, with predict under the server span', async () => {
    const bytes = await buildMlp({ inputSize: 2, layers: [{ weights: [1, 2], bias: [0] }] });
    await ml.serving.load({ bytes, name: 'http-model' });
    const access: LogLine[] = [];
    const httpLogger = Object.fromEntries(['error', 'warn', 'info', 'debug'].map((level) => [level, (obj: Record<string, unknown>, msg?: string) => access.push({ level, obj, msg })])) as never;
    const srv: MlopsServer = await createServer(ml, { port: 0, logger: httpLogger, dashboard: false });
    try {
      exporter.reset();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const callerSpan = '00f067aa0ba902b7';
      const res = await fetch(`${srv.url}/v2/models/http-model/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${callerSpan}-01` },
        body: JSON.stringify({ inputs: [{ name: 'X', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] }),
      });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 20)); // onResponse runs after the body is sent
      const server = one('POST /v2/models/:name/infer');
      expect(server.spanContext().traceId).toBe(traceId);
      expect(parentOf(server)).toBe(callerSpan);
      expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v2/models/:name/infer', 'http.response.status_code': 200 });
      const predict = one('mlops.serving.predict');
      expect(parentOf(predict)).toBe(server.spanContext().spanId);
      expect(access.find((l) => l.obj.route === '/v2/models/:name/infer')?.obj).toMatchObject({ trace_id: traceId, status: 200 });
    } finally {
      await srv.close();
    }
    expect(context.active()).toBeDefined();
  });

  it('refuses a logger without the pino methods, naming the field', async () => {
    await expect(createMlops({ dir: dir.path, env: {}, logger: { info() {} } as never })).rejects.toThrow(/Invalid logger/);
  });
});
