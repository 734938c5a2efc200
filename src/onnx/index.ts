export { buildMlp, buildLogisticRegression, type MlpSpec, type DenseLayer } from './model-builder.js';
export type { ModelSignature, TensorSpec } from './signature-types.js';
export { readOnnxSignature } from './signature.js';
export { MLMODEL_FILE, ONNX_EXPORT_HINT, compareSignatures, onnxMlmodel, parseMlmodel, refuseOpaque, type MlmodelFile, type MlmodelSpec } from './mlmodel.js';
