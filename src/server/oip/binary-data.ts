import { InvalidArgumentError } from '../../core/errors.js';
import type { Outputs } from '../../serving/batcher.js';
import { oipDatatype } from './tensors.js';

/**
 * The Open Inference Protocol's binary tensor data extension (Triton's `binary_tensor_data`): the
 * JSON request or response is followed in the body by raw tensor bytes, little-endian, row major;
 * `Inference-Header-Content-Length` gives the JSON's length. BOOL is one byte per element, BYTES a
 * 4-byte little-endian length before each element's bytes.
 */
export const BINARY_EXTENSION = 'binary_tensor_data';
export const HEADER_LENGTH = 'inference-header-content-length';

/** Bytes per element of each fixed-size datatype, with the DataView reader for it. */
const FIXED: Readonly<Record<string, { bytes: number; read: (v: DataView, at: number) => number | bigint }>> = {
  BOOL: { bytes: 1, read: (v, at) => v.getUint8(at) },
  UINT8: { bytes: 1, read: (v, at) => v.getUint8(at) },
  INT8: { bytes: 1, read: (v, at) => v.getInt8(at) },
  UINT16: { bytes: 2, read: (v, at) => v.getUint16(at, true) },
  INT16: { bytes: 2, read: (v, at) => v.getInt16(at, true) },
  UINT32: { bytes: 4, read: (v, at) => v.getUint32(at, true) },
  INT32: { bytes: 4, read: (v, at) => v.getInt32(at, true) },
  FP32: { bytes: 4, read: (v, at) => v.getFloat32(at, true) },
  UINT64: { bytes: 8, read: (v, at) => v.getBigUint64(at, true) },
  INT64: { bytes: 8, read: (v, at) => v.getBigInt64(at, true) },
  FP64: { bytes: 8, read: (v, at) => v.getFloat64(at, true) },
};

function invalid(field: string, message: string): never {
  throw new InvalidArgumentError(`Invalid ${field}: ${message}`, { details: { field } });
}

/** Splits a body into its JSON header (parsed) and the binary section after it. */
export function splitBinaryBody(body: Uint8Array, headerLength: unknown): { json: unknown; binary: Uint8Array } {
  const length = typeof headerLength === 'string' && /^\d+$/.test(headerLength) ? Number(headerLength) : NaN;
  if (!Number.isSafeInteger(length) || length > body.length) {
    invalid('Inference-Header-Content-Length', `${JSON.stringify(headerLength)} must be the JSON header's length in bytes, at most the body's ${body.length}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(body.subarray(0, length)));
  } catch (err) {
    invalid('request body', `the first ${length} bytes (Inference-Header-Content-Length) are not a JSON object (${(err as Error).message})`);
  }
  return { json, binary: body.subarray(length) };
}

/** The `binary_data_size` an input declares, or undefined when its data is JSON. */
export function binarySize(raw: unknown, field: string): number | undefined {
  const params = (raw as { parameters?: unknown } | null)?.parameters;
  if (params === undefined || params === null || typeof params !== 'object') return undefined;
  const size = (params as { binary_data_size?: unknown }).binary_data_size;
  if (size === undefined) return undefined;
  if (!Number.isSafeInteger(size) || (size as number) < 0) invalid(`${field}.parameters.binary_data_size`, `${JSON.stringify(size)} must be a whole number of bytes`);
  return size as number;
}

/** Decodes one input's bytes as `datatype` values: numbers, bigints (64-bit integers) or strings (BYTES). */
export function decodeBinary(bytes: Uint8Array, datatype: string, field: string): unknown[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (datatype === 'BYTES') {
    const out: string[] = [];
    const decoder = new TextDecoder();
    let at = 0;
    while (at < bytes.length) {
      if (at + 4 > bytes.length) invalid(`${field}.data`, `BYTES element ${out.length} has a truncated 4-byte length`);
      const n = view.getUint32(at, true);
      if (at + 4 + n > bytes.length) invalid(`${field}.data`, `BYTES element ${out.length} says ${n} bytes, ${bytes.length - at - 4} are left`);
      out.push(decoder.decode(bytes.subarray(at + 4, at + 4 + n)));
      at += 4 + n;
    }
    return out;
  }
  const kind = FIXED[datatype];
  if (kind === undefined) invalid(`${field}.datatype`, `${datatype} cannot be sent as binary data here (${Object.keys(FIXED).join(', ')}, BYTES)`);
  if (bytes.length % kind.bytes !== 0) invalid(`${field}.parameters.binary_data_size`, `${bytes.length} bytes is not a whole number of ${datatype} elements (${kind.bytes} bytes each)`);
  const n = bytes.length / kind.bytes;
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) out[i] = kind.read(view, i * kind.bytes);
  if (datatype === 'BOOL') for (let i = 0; i < n; i++) out[i] = out[i] !== 0;
  return out;
}

/** One output's bytes in the extension's layout. */
export function encodeBinary(out: Outputs[string]): Uint8Array {
  const data = out.data;
  if (out.type === 'string') {
    const parts = Array.from(data as ArrayLike<unknown>, (s) => new TextEncoder().encode(String(s)));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
    const view = new DataView(bytes.buffer);
    let at = 0;
    for (const p of parts) {
      view.setUint32(at, p.length, true);
      bytes.set(p, at + 4);
      at += 4 + p.length;
    }
    return bytes;
  }
  if (ArrayBuffer.isView(data)) {
    // Typed arrays are little-endian on every platform onnxruntime-node ships for; bool travels as bytes already.
    const view = data as unknown as ArrayBufferView;
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  }
  invalid(`outputs.${oipDatatype(out.type)}`, `output of type ${out.type} cannot be sent as binary data`);
}

/** Whether an output goes back as binary: its own `binary_data`, else the request's `binary_data_output`. */
export function wantsBinary(requestParams: unknown, outputParams: unknown): boolean {
  const own = (outputParams as { binary_data?: unknown } | null | undefined)?.binary_data;
  if (typeof own === 'boolean') return own;
  return (requestParams as { binary_data_output?: unknown } | null | undefined)?.binary_data_output === true;
}

/** The response body: the JSON followed by each binary output's bytes, in the order of the outputs. */
export function binaryResponse(json: Record<string, unknown>, chunks: Uint8Array[]): { body: Buffer; headerLength: number } {
  const head = Buffer.from(JSON.stringify(json));
  return { body: Buffer.concat([head, ...chunks]), headerLength: head.length };
}
