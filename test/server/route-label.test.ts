import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { createServer, type MlopsServer } from '../../src/server.js';
import { routeLabel } from '../../src/server/route-label.js';
import { tempDir } from '../helpers/services.js';

describe('the route label of the HTTP metrics', () => {
  let ml: Mlops;
  let server: MlopsServer;
  let remove: () => Promise<void>;
  beforeAll(async () => {
    const dir = await tempDir('mlops-route-');
    remove = dir.remove;
    // A dashboard build as vite leaves it: hashed asset names that change with every build.
    const ui = join(dir.path, 'ui');
    mkdirSync(join(ui, 'assets'), { recursive: true });
    writeFileSync(join(ui, 'index.html'), '<!doctype html><title>x</title>');
    writeFileSync(join(ui, 'assets', 'index-aoQWZGqS.js'), 'void 0');
    writeFileSync(join(ui, 'assets', 'index-B1x2y3z4.css'), 'body{}');
    writeFileSync(join(ui, 'favicon.svg'), '<svg/>');
    ml = await createMlops({ dir: join(dir.path, 'store'), env: {} });
    server = await createServer(ml, { port: 0, dashboard: ui });
  });
  afterAll(async () => {
    await server.close();
    await ml.close();
    await remove();
  });

  it('counts every dashboard file under one route, static, and keeps API route patterns', async () => {
    for (const path of ['/assets/index-aoQWZGqS.js', '/assets/index-B1x2y3z4.css', '/favicon.svg', '/health']) {
      expect((await fetch(`${server.url}${path}`)).status, path).toBe(200);
    }
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const routes = new Set([...text.matchAll(/mlops_http_requests_total\{[^}]*route="([^"]*)"/g)].map((m) => m[1]));
    expect(routes).toContain('static');
    expect(routes).toContain('/health');
    expect([...routes].filter((r) => r?.includes('aoQWZGqS') || r?.includes('favicon'))).toEqual([]);
  });

  it('labels patterns, files and unmatched requests', () => {
    expect(routeLabel('/v2/models/:name/infer')).toBe('/v2/models/:name/infer');
    expect(routeLabel('/api/2.0/mlflow/runs/get')).toBe('/api/2.0/mlflow/runs/get');
    expect(routeLabel('/assets/vendor-x.js')).toBe('static');
    expect(routeLabel('/index.html')).toBe('static');
    expect(routeLabel(undefined)).toBe('unmatched');
  });
});
