import { InvalidArgumentError } from '../core/errors.js';

/** The array each ONNX element type comes back in from predict(). */
export interface OutputArrays {
  float32: Float32Array;
  float64: Float64Array;
  int8: Int8Array;
  int16: Int16Array;
  int32: Int32Array;
  int64: BigInt64Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
  uint32: Uint32Array;
  uint64: BigUint64Array;
  bool: Uint8Array;
  string: string[];
}

const CHECKS: { [K in keyof OutputArrays]: (data: unknown) => boolean } = {
  float32: (d) => d instanceof Float32Array,
  float64: (d) => d instanceof Float64Array,
  int8: (d) => d instanceof Int8Array,
  int16: (d) => d instanceof Int16Array,
  int32: (d) => d instanceof Int32Array,
  int64: (d) => d instanceof BigInt64Array,
  uint8: (d) => d instanceof Uint8Array,
  uint16: (d) => d instanceof Uint16Array,
  uint32: (d) => d instanceof Uint32Array,
  uint64: (d) => d instanceof BigUint64Array,
  bool: (d) => d instanceof Uint8Array,
  string: (d) => Array.isArray(d),
};

/**
 * An output's data typed by its element type, checked: `outputData(out.Y, 'float32')[0]` is a number
 * to TypeScript, where `out.Y.data` is `ArrayLike<unknown>` (one predict() serves any model). A
 * missing output or another element type is INVALID_ARGUMENT naming what the model gave.
 */
export function outputData<T extends keyof OutputArrays>(output: { data: ArrayLike<unknown>; type: string } | undefined, type: T, name = 'output'): OutputArrays[T] {
  if (output === undefined || output === null) throw new InvalidArgumentError(`Invalid ${name}: the model has no such output`);
  const check = CHECKS[type] as ((data: unknown) => boolean) | undefined;
  if (check === undefined) throw new InvalidArgumentError(`Invalid type: ${JSON.stringify(type)} must be one of ${Object.keys(CHECKS).join(', ')}`);
  if (output.type !== type || !check(output.data)) {
    throw new InvalidArgumentError(`Invalid ${name}: it is ${output.type} (${output.data?.constructor?.name ?? typeof output.data}), not ${type}`, { details: { field: name, type: output.type } });
  }
  return output.data as OutputArrays[T];
}
