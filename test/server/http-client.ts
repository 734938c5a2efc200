import { afterAll, beforeAll } from 'vitest';
import { createMlops, type Mlops } from '../../src/index.js';
import { createServer, type MlopsServer, type ServerOptions } from '../../src/server.js';
import { tempDir } from '../helpers/services.js';

/** A small fetch wrapper for server tests: JSON in, status and JSON (or text) out. */
export interface HttpResult {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function httpClient(base: string, headers: Record<string, string> = {}) {
  return async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<HttpResult> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...extra },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    return readResult(res);
  };
}

/** A fetch response as status, headers and JSON (or text when it is not JSON). */
export async function readResult(res: Response): Promise<HttpResult> {
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/**
 * A runtime in a temporary folder and a server over it on a free loopback port, for one describe
 * block; `setup` runs before the server starts (load models, log runs).
 */
export function useServer(options: ServerOptions = {}, setup?: (ml: Mlops) => Promise<void>): { readonly ml: Mlops; readonly server: MlopsServer; readonly call: ReturnType<typeof httpClient> } {
  const state: { ml?: Mlops; server?: MlopsServer; call?: ReturnType<typeof httpClient>; remove?: () => Promise<void> } = {};
  beforeAll(async () => {
    const dir = await tempDir();
    state.remove = dir.remove;
    state.ml = await createMlops({ dir: dir.path, env: {} });
    await setup?.(state.ml);
    state.server = await createServer(state.ml, { port: 0, ...options });
    state.call = httpClient(state.server.url);
  });
  afterAll(async () => {
    await state.server?.close();
    await state.ml?.close();
    await state.remove?.();
  });
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the server is created in beforeAll');
    return v;
  };
  return {
    get ml() {
      return need(state.ml);
    },
    get server() {
      return need(state.server);
    },
    // A plain function, so `const { call } = fixture` works before beforeAll has run.
    call: (...args) => need(state.call)(...args),
  };
}
