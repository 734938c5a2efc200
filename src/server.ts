/** `@trademaster/mlops/server`: the optional HTTP face (MLflow REST API, Open Inference Protocol, /metrics). */
export * from './server/index.js';
