/**
 * Small ONNX models built in JS (no binaries, no Python): a multilayer perceptron and a logistic
 * regression, for examples, demos and tests. Also on `./testing`, which loads vitest; this entry does not.
 */
export { buildMlp, buildLogisticRegression, type MlpSpec, type DenseLayer } from './onnx/index.js';
