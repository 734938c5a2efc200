import { describe, expect, it } from 'vitest';
import { useServer } from './http-client.js';

describe('a browser asking for /favicon.ico without credentials', () => {
  const s = useServer({ auth: { apiKeys: { 'k-favicon-test-0123456789': { id: 'svc', roles: ['viewer'] } } } });

  it('gets a 404 (no such file), not a 401 logged in the console on every page load', async () => {
    expect((await s.call('GET', '/favicon.ico')).status).toBe(404);
    expect((await s.call('GET', '/api/2.0/mlflow/experiments/search?max_results=1')).status).toBe(401);
  });
});
