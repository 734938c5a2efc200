export { buildMlp, buildLogisticRegression, type MlpSpec, type DenseLayer } from './model-builder.js';
