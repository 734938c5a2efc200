export { Serving, type LoadOptions, type ModelSourceRef } from './serving.js';
export { ServedModel, PROVIDERS, type ExecutionProvider, type SessionOptions, type SwapEvent } from './served-model.js';
export type { BatchingOptions, Outputs } from './batcher.js';
export type { PredictInputs, InputValue } from './inputs.js';
export { ModelRouter, type Route, type RouterOptions } from './router.js';
