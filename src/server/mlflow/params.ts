import type { FastifyRequest } from 'fastify';
import { InvalidArgumentError } from '../../core/errors.js';

/**
 * MLflow's request fields: JSON body for POST/PATCH/DELETE, query string for GET. Each reader names
 * the field in its error, as MLflow's `INVALID_PARAMETER_VALUE` does.
 */
export class Fields {
  private readonly source: Record<string, unknown>;

  constructor(req: FastifyRequest) {
    // DELETE may carry its fields in a JSON body (MLflow's Python client) or the query string.
    const src = req.method === 'GET' || (req.method === 'DELETE' && req.body == null) ? req.query : req.body;
    this.source = src !== null && typeof src === 'object' && !Array.isArray(src) ? (src as Record<string, unknown>) : {};
    if (req.method !== 'GET' && req.body != null && (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body))) {
      throw new InvalidArgumentError('Invalid request body: expected a JSON object');
    }
  }

  raw(name: string): unknown {
    return this.source[name];
  }

  has(name: string): boolean {
    return this.source[name] !== undefined && this.source[name] !== null;
  }

  /** A required string; `alias` names an older field MLflow still accepts (run_uuid for run_id). */
  string(name: string, alias?: string): string {
    const v = this.optionalString(name) ?? (alias !== undefined ? this.optionalString(alias) : undefined);
    if (v === undefined || v === '') throw new InvalidArgumentError(`Missing value for required parameter '${name}'`, { details: { field: name } });
    return v;
  }

  optionalString(name: string): string | undefined {
    const v = this.source[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (typeof v !== 'string') throw new InvalidArgumentError(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected a string`, { details: { field: name } });
    return v;
  }

  /** An integer given as a JSON number or a numeric string (query strings, int64 as string). */
  optionalInt(name: string): number | undefined {
    const v = this.source[name];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected an integer`, { details: { field: name } });
    return n;
  }

  int(name: string): number {
    const v = this.optionalInt(name);
    if (v === undefined) throw new InvalidArgumentError(`Missing value for required parameter '${name}'`, { details: { field: name } });
    return v;
  }

  /** A number; MLflow clients may send NaN and infinities as the strings "NaN", "Infinity", "-Infinity". */
  number(name: string): number {
    const v = this.source[name];
    if (v === undefined || v === null) throw new InvalidArgumentError(`Missing value for required parameter '${name}'`, { details: { field: name } });
    const n = typeof v === 'string' && /^(NaN|-?Infinity|-?\d+(\.\d*)?([eE][-+]?\d+)?)$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number') throw new InvalidArgumentError(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected a number`, { details: { field: name } });
    return n;
  }

  /** A list of strings: a JSON array, or a repeated query parameter. */
  stringList(name: string): string[] | undefined {
    const v = this.source[name];
    if (v === undefined || v === null) return undefined;
    const list = Array.isArray(v) ? v : [v];
    return list.map((x, i) => {
      if (typeof x !== 'string' && typeof x !== 'number') throw new InvalidArgumentError(`Invalid value ${JSON.stringify(x)} for parameter '${name}[${i}]': expected a string`, { details: { field: name } });
      return String(x);
    });
  }

  /** The paging and query fields every MLflow search takes, as the library's search options. */
  searchOptions(): { maxResults?: number; pageToken?: string; filter?: string; orderBy?: string[] } {
    const maxResults = this.optionalInt('max_results');
    const pageToken = this.optionalString('page_token');
    const filter = this.optionalString('filter');
    const orderBy = this.stringList('order_by');
    return {
      ...(maxResults !== undefined ? { maxResults } : {}),
      ...(pageToken ? { pageToken } : {}),
      ...(filter ? { filter } : {}),
      ...(orderBy !== undefined ? { orderBy } : {}),
    };
  }

  /** MLflow's ViewType. */
  viewType(name: string): 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL' | undefined {
    const v = this.optionalString(name);
    if (v === undefined) return undefined;
    const named = { '1': 'ACTIVE_ONLY', '2': 'DELETED_ONLY', '3': 'ALL' }[v] ?? v;
    if (named !== 'ACTIVE_ONLY' && named !== 'DELETED_ONLY' && named !== 'ALL') {
      throw new InvalidArgumentError(`Invalid value ${JSON.stringify(v)} for parameter '${name}': expected ACTIVE_ONLY, DELETED_ONLY or ALL`, { details: { field: name } });
    }
    return named;
  }
}
