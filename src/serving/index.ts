export { Serving, type LoadOptions, type ModelSourceRef } from './serving.js';
export { ServedModel, PROVIDERS, type ExecutionProvider, type SessionOptions, type SwapEvent } from './served-model.js';
export type { BatchingOptions, Outputs } from './batcher.js';
export type { PredictInputs, InputValue } from './inputs.js';
export { ModelRouter, type Route, type RouterOptions } from './router.js';
export type { PredictionRecord, PredictionLogOptions } from './prediction-log.js';
export type { FeatureJoinOptions, LoadOptions as ServingLoadOptions } from './serving.js';
export type { ServingEvents } from './events.js';
