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

type Typed = ArrayLike<number | bigint> & { readonly buffer: ArrayBufferLike };

/**
 * The typed array each fixed-size datatype is read into. The bytes are little-endian, as typed
 * arrays are on every platform onnxruntime-node ships for (x64, arm64), so a copy of them is the
 * tensor: no per-element decoding, and predict() takes it as it is.
 */
const FIXED: Readonly<Record<string, new (buffer: ArrayBuffer) => Typed>> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  INT8: Int8Array,
  UINT16: Uint16Array,
  INT16: Int16Array,
  UINT32: Uint32Array,
  INT32: Int32Array,
  FP32: Float32Array,
  UINT64: BigUint64Array,
  INT64: BigInt64Array,
  FP64: Float64Array,
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

/** Decodes one input's bytes as `datatype` values: a typed array, or strings for BYTES. */
export function decodeBinary(bytes: Uint8Array, datatype: string, field: string): ArrayLike<unknown> {
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
  const Ctor = FIXED[datatype];
  if (Ctor === undefined) invalid(`${field}.datatype`, `${datatype} cannot be sent as binary data here (${Object.keys(FIXED).join(', ')}, BYTES)`);
  const size = (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  if (bytes.length % size !== 0) invalid(`${field}.parameters.binary_data_size`, `${bytes.length} bytes is not a whole number of ${datatype} elements (${size} bytes each)`);
  // A copy in an ArrayBuffer of its own (aligned, exactly sized), so the tensor neither shares nor
  // pins the request body; not bytes.slice(), which on a Buffer is a view of the same memory.
  const values = new Ctor(new Uint8Array(bytes).buffer as ArrayBuffer);
  if (datatype === 'BOOL') {
    // One byte per element, 1 or 0: anything else is not a boolean.
    for (let i = 0; i < values.length; i++) if (values[i] !== 0 && values[i] !== 1) invalid(`${field}.data[${i}]`, `byte ${String(values[i])} is not a BOOL (0 or 1)`);
  }
  return values;
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
