import { describe, expect, it } from 'vitest';
import { useServer } from './http-client.js';

describe('a body sent without content-type: application/json', () => {
  const s = useServer();

  it('is refused on MLflow routes with 415 and a message that says which header to send (curl -d sends a form)', async () => {
    const res = await s.call('POST', '/api/2.0/mlflow/experiments/create', '{"name":"x"}', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(JSON.stringify(res.body)).toContain('content-type: application/json');
  });

  it('is read as JSON on Open Inference Protocol routes, as tritonclient and KServe send none (curl -d works too)', async () => {
    const res = await s.call('POST', '/v2/models/any/infer', '{"inputs":[]}', { 'content-type': 'application/x-www-form-urlencoded' });
    // Parsed, then answered for the model: no such model here, so 404, not 415.
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).toContain('any');
  });
});
