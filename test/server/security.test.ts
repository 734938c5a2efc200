import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { createServer, type MlopsServer } from '../../src/server.js';
import { toHttpFailure } from '../../src/server/http-errors.js';
import { tempDir } from '../helpers/services.js';
import { httpClient } from './http-client.js';

const KEYS = {
  viewer: 'viewer-key-0123456789abcdef',
  scientist: 'scientist-key-0123456789abcdef',
  reviewer: 'reviewer-key-0123456789abcdef',
};
const API = '/api/2.0/mlflow';

describe('server security: API keys, RBAC, rate limits, body limits, TLS, CORS', () => {
  let ml: Mlops;
  let dir: { path: string; remove: () => Promise<void> };
  let server: MlopsServer;
  beforeAll(async () => {
    dir = await tempDir();
    ml = await createMlops({ dir: dir.path, env: {} });
    server = await createServer(ml, {
      port: 0,
      bodyLimit: 4096,
      auth: {
        apiKeys: {
          [KEYS.viewer]: { id: 'vera', roles: ['viewer'] },
          [KEYS.scientist]: { id: 'sam', roles: ['data-scientist'] },
          [KEYS.reviewer]: { id: 'rita', roles: ['reviewer'] },
        },
      },
    });
  });
  afterAll(async () => {
    await server.close();
    await ml.close();
    await dir.remove();
  });

  it('refuses unauthenticated and unauthorised requests, and audits who acted', async () => {
    const anonymous = httpClient(server.url);
    expect((await anonymous('GET', '/health')).status).toBe(200);
    expect((await anonymous('GET', '/v2/health/live')).status).toBe(200);
    const none = await anonymous('POST', `${API}/experiments/create`, { name: 'x' });
    expect(none).toMatchObject({ status: 401, body: { error_code: 'UNAUTHENTICATED' } });
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect((await anonymous('GET', '/metrics')).status).toBe(401);
    expect((await anonymous('GET', '/v2/models/any', undefined, { authorization: 'Bearer wrong-key-0123456789abcdef' })).body).toEqual({ error: 'Invalid API key' });

    const sam = httpClient(server.url, { authorization: `Bearer ${KEYS.scientist}` });
    const vera = httpClient(server.url, { 'x-api-key': KEYS.viewer });
    const created = await sam('POST', `${API}/experiments/create`, { name: 'by-sam' });
    expect(created.status).toBe(200);
    const denied = await vera('POST', `${API}/experiments/create`, { name: 'by-vera' });
    expect(denied).toMatchObject({ status: 403, body: { error_code: 'PERMISSION_DENIED', message: expect.stringContaining('vera') } });
    expect((await vera('GET', `${API}/experiments/get?experiment_id=${created.body.experiment_id}`)).status).toBe(200);
    const audit = await ml.audit.query({ resourceKind: 'experiment', action: 'experiment.create' });
    expect(audit.map((r) => r.actor)).toContain('sam');
    expect((await vera('GET', '/metrics')).body).toContain('mlops_http_requests_total');
  });

  it('refuses an oversize body with 413 and malformed JSON with 400, never with a stack trace', async () => {
    const sam = httpClient(server.url, { authorization: `Bearer ${KEYS.scientist}` });
    const big = await sam('POST', `${API}/experiments/create`, { name: 'x'.repeat(10_000) });
    expect(big).toMatchObject({ status: 413, body: { error_code: 'REQUEST_LIMIT_EXCEEDED' } });
    const bad = await sam('POST', `${API}/runs/log-metric`, '{"run_id": ', { 'content-type': 'application/json' });
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'MALFORMED_REQUEST' } });
    expect(JSON.stringify(bad.body)).not.toMatch(/\n\s+at /);
    // An unexpected error becomes a bare 500: its message and stack stay in the process.
    const boom = toHttpFailure(new TypeError("Cannot read properties of undefined (reading 'secret')"));
    expect(boom).toMatchObject({ status: 500, mlflowCode: 'INTERNAL_ERROR', expected: false });
    expect(boom.message).not.toContain('secret');
  });

  it('rejects keys that are too short to be secret', async () => {
    await expect(createServer(ml, { port: 0, auth: { apiKeys: { short: { id: 'a', roles: [] } } } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('at least 16') });
    await expect(createServer(ml, { port: 0, rateLimit: { perSecond: -1 } })).rejects.toMatchObject({ message: expect.stringContaining('rateLimit.perSecond') });
  });

  it('answers 429 with Retry-After once a principal spends its burst', async () => {
    const limited = await createServer(ml, { port: 0, rateLimit: { perSecond: 2, burst: 5 }, auth: { apiKeys: { [KEYS.viewer]: { id: 'vera', roles: ['viewer'] }, [KEYS.reviewer]: { id: 'rita', roles: ['reviewer'] } } } });
    try {
      const vera = httpClient(limited.url, { 'x-api-key': KEYS.viewer });
      const results = await Promise.all(Array.from({ length: 12 }, () => vera('GET', `${API}/experiments/search`)));
      const codes = results.map((r) => r.status);
      expect(codes.filter((c) => c === 200)).toHaveLength(5);
      expect(codes.filter((c) => c === 429)).toHaveLength(7);
      const refused = results.find((r) => r.status === 429)!;
      expect(refused.body.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Buckets are per principal: another key is not slowed down.
      expect((await httpClient(limited.url, { 'x-api-key': KEYS.reviewer })('GET', `${API}/experiments/search`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('limits failed authentications per client address with 429, before the key is checked', async () => {
    const guarded = await createServer(ml, { port: 0, auth: { apiKeys: { [KEYS.viewer]: { id: 'vera', roles: ['viewer'] } }, failures: { perSecond: 0.5, burst: 5 } } });
    try {
      const guesser = httpClient(guarded.url);
      const codes: number[] = [];
      for (let i = 0; i < 30; i++) codes.push((await guesser('GET', `${API}/experiments/search`, undefined, { 'x-api-key': `guess-${i}-0123456789abcdef` })).status);
      expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      expect(codes.slice(5).every((c) => c === 429)).toBe(true);
      // Once throttled, even the right key waits: a guess that happens to be right is not confirmed.
      const right = await httpClient(guarded.url, { 'x-api-key': KEYS.viewer })('GET', `${API}/experiments/search`);
      expect(right).toMatchObject({ status: 429, body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: expect.stringContaining('failed authentications') } });
      expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // A request without a key guesses nothing: still 401, and never counted (a dashboard before sign-in).
      expect((await guesser('GET', `${API}/experiments/search`)).status).toBe(401);
    } finally {
      await guarded.close();
    }
    const open = await createServer(ml, { port: 0, auth: { apiKeys: { [KEYS.viewer]: { id: 'vera', roles: ['viewer'] } }, failures: false } });
    try {
      const statuses = await Promise.all(Array.from({ length: 15 }, (_, i) => httpClient(open.url)('GET', `${API}/experiments/search`, undefined, { 'x-api-key': `guess-${i}-0123456789abcdef` })));
      expect(statuses.every((r) => r.status === 401)).toBe(true);
    } finally {
      await open.close();
    }
    await expect(createServer(ml, { port: 0, auth: { apiKeys: { [KEYS.viewer]: { id: 'vera', roles: ['viewer'] } }, failures: { perSecond: 0 } } })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('auth.failures.perSecond'),
    });
  });

  it('serves HTTPS with a given key and certificate', async () => {
    const key = join(dir.path, 'key.pem');
    const cert = join(dir.path, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const tls = await createServer(ml, { port: 0, tls: { key, cert } });
    try {
      expect(tls.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      let hsts: unknown;
      const body = await new Promise<string>((resolve, reject) => {
        request(`${tls.url}/health`, { ca: readFileSync(cert) }, (res) => {
          hsts = res.headers['strict-transport-security'];
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      expect(JSON.parse(body)).toEqual({ status: 'ok' });
      // HSTS only where the server itself speaks TLS.
      expect(hsts).toBe('max-age=31536000; includeSubDomains');
    } finally {
      await tls.close();
    }
    await expect(createServer(ml, { port: 0, tls: { key: '/nonexistent/key.pem', cert } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('tls.key') });
  });

  it('sends no CORS headers unless origins are configured', async () => {
    const plain = await httpClient(server.url)('GET', '/health', undefined, { origin: 'https://evil.example' });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
    const withCors = await createServer(ml, { port: 0, cors: { origins: ['https://desk.example'] } });
    try {
      const allowed = await httpClient(withCors.url)('GET', '/health', undefined, { origin: 'https://desk.example' });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://desk.example');
      const other = await httpClient(withCors.url)('GET', '/health', undefined, { origin: 'https://evil.example' });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await withCors.close();
    }
  });
});
