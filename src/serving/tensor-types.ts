/** The typed array each ONNX element type travels in (bool as bytes); strings travel as plain arrays. */
export type TypedArrayCtor = new (n: number) => ArrayLike<unknown> & {
  [i: number]: unknown;
  set(source: ArrayLike<unknown>, offset: number): void;
};

export const TYPED_ARRAYS: Readonly<Record<string, TypedArrayCtor>> = {
  float32: Float32Array as unknown as TypedArrayCtor,
  float64: Float64Array as unknown as TypedArrayCtor,
  int32: Int32Array as unknown as TypedArrayCtor,
  int64: BigInt64Array as unknown as TypedArrayCtor,
  uint8: Uint8Array as unknown as TypedArrayCtor,
  int8: Int8Array as unknown as TypedArrayCtor,
  uint16: Uint16Array as unknown as TypedArrayCtor,
  int16: Int16Array as unknown as TypedArrayCtor,
  uint32: Uint32Array as unknown as TypedArrayCtor,
  uint64: BigUint64Array as unknown as TypedArrayCtor,
  bool: Uint8Array as unknown as TypedArrayCtor,
};

/** `size` zeros (empty strings for string tensors) of an element type; float32 when unknown. */
export function zeros(type: string, size: number): ArrayLike<unknown> {
  if (type === 'string') return new Array<string>(size).fill('');
  return new (TYPED_ARRAYS[type] ?? TYPED_ARRAYS.float32!)(size);
}
