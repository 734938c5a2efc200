import { describe, expect, it } from 'vitest';
import { useServer } from './http-client.js';

describe('a body sent without content-type: application/json', () => {
  const s = useServer();

  it('is refused with 415 and a message that says which header to send (curl -d sends a form)', async () => {
    const res = await s.call('POST', '/v2/models/any/infer', '{"inputs":[]}', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect(JSON.stringify(res.body)).toContain('content-type: application/json');
  });
});
