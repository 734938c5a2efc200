/** One input or output of a model, as the ONNX graph declares it. */
export interface TensorSpec {
  name: string;
  /** `tensor` for plain tensors; `sequence`, `map` or `optional` for ONNX's other value types. */
  kind: 'tensor' | 'sequence' | 'map' | 'optional' | 'sparse_tensor' | 'unknown';
  /** `float32`, `float64`, `int64`, `int32`, `bool`, `string`, …; null when not a tensor. */
  elementType: string | null;
  /** Dimensions: a number, a symbolic name (`batch`), or null when unknown. Null when the rank is unknown. */
  shape: Array<number | string | null> | null;
  /** For non-tensors, ONNX's type in words, e.g. `seq(map(int64,float32))`. */
  typeDescription?: string;
  /** For a [rows, columns] input: the name of each column, so predict() takes records keyed by name. */
  columns?: string[];
}

export interface ModelSignature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** The graph's opset imports and producer, useful when a model will not load. */
  opsets: Record<string, number>;
  producer?: string;
}
