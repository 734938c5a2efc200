import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMlops } from '../../src/index.js';
import { buildLogisticRegression } from '../../src/testing/index.js';
import { createServer } from '../../src/server.js';
import { tempDir } from '../helpers/services.js';
import { useServer } from './http-client.js';

describe('HTTP hygiene: security headers, compression, caching, request ids, CORS', () => {
  const fixture = useServer({ cors: { origins: ['https://desk.example.com'] } }, async (ml) => {
    const run = await ml.tracking.startRun({ name: 'many' });
    await run.logBatch({ params: Array.from({ length: 80 }, (_, i) => ({ key: `p${i}`, value: 'x'.repeat(40) })) });
  });
  const { call } = fixture;

  it('sends CSP with frame-ancestors, nosniff, Referrer-Policy, and no HSTS without TLS', async () => {
    const res = await call('GET', '/health');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('compresses large responses for clients that accept it, and marks the API no-store', async () => {
    const res = await fetch(`${fixture.server.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
      body: JSON.stringify({ experiment_ids: ['0'] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(((await res.json()) as { runs: unknown[] }).runs).toHaveLength(1);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('echoes a sane x-request-id and makes one up otherwise', async () => {
    expect((await call('GET', '/health', undefined, { 'x-request-id': 'trade-42' })).headers.get('x-request-id')).toBe('trade-42');
    const made = (await call('GET', '/health', undefined, { 'x-request-id': 'bad id with spaces' })).headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call('GET', '/health')).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a CORS preflight for PATCH and DELETE and exposes the request id', async () => {
    const pre = await fetch(`${fixture.server.url}/api/2.0/mlflow/registered-models/update`, {
      method: 'OPTIONS',
      headers: { origin: 'https://desk.example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'content-type, authorization' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(pre.headers.get('access-control-allow-methods')).toContain('DELETE');
    const res = await call('GET', '/health', undefined, { origin: 'https://desk.example.com' });
    expect(res.headers.get('access-control-expose-headers')).toContain('x-request-id');
  });

  it('caches hashed dashboard assets for good, revalidates the index, and never compresses infer answers', async () => {
    const dir = await tempDir('mlops-ui-');
    await mkdir(join(dir.path, 'assets'));
    await writeFile(join(dir.path, 'index.html'), '<!doctype html><div id="app"></div>');
    await writeFile(join(dir.path, 'assets', 'index-3f9a1c2b.js'), 'console.log(1)');
    const ml = await createMlops({ dir: join(dir.path, 'store'), env: {} });
    await ml.serving.load({ bytes: await buildLogisticRegression(Array.from({ length: 64 }, (_, i) => i / 64), 0) }, { name: 'wide' });
    const server = await createServer(ml, { port: 0, dashboard: dir.path });
    try {
      expect((await fetch(`${server.url}/assets/index-3f9a1c2b.js`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await fetch(`${server.url}/`)).headers.get('cache-control')).toBe('no-cache');
      const rows = Array.from({ length: 64 }, () => Array.from({ length: 64 }, () => 0.5));
      const infer = await fetch(`${server.url}/v2/models/wide/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
        body: JSON.stringify({ inputs: [{ name: 'X', shape: [64, 64], datatype: 'FP32', data: rows }] }),
      });
      expect(infer.status).toBe(200);
      expect(infer.headers.get('content-encoding')).toBeNull();
      expect(Number(infer.headers.get('content-length'))).toBeGreaterThan(1024);
    } finally {
      await server.close();
      await ml.close();
      await dir.remove();
    }
  });
});
