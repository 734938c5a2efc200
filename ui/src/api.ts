/** The dashboard talks only to its own server's JSON routes, with the API key the user typed. */
const KEY = 'mlops.apiKey';

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setApiKey(key: string | null): void {
  if (key === null || key === '') sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function api<T = any>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const key = apiKey();
  const res = await fetch(path, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new ApiError(res.status, String(data.error_code ?? 'ERROR'), String(data.message ?? data.error ?? res.statusText));
  return data as T;
}

export const get = <T = any>(path: string, params: Record<string, string | number | undefined> = {}) => { // eslint-disable-line @typescript-eslint/no-explicit-any
  const q = Object.entries(params).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return api<T>('GET', q.length > 0 ? `${path}?${q.join('&')}` : path);
};

export const MLFLOW = '/api/2.0/mlflow';
export const MLOPS = '/api/2.0/mlops';

export interface Who {
  id: string;
  roles: string[];
  can: Record<string, string[]>;
}

export const kv = (list: Array<{ key: string; value: unknown }> | undefined): Record<string, any> => Object.fromEntries((list ?? []).map((e) => [e.key, e.value])); // eslint-disable-line @typescript-eslint/no-explicit-any

export function time(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function num(v: unknown): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v === undefined || v === null ? '' : String(v);
}
