export { Registry, type RegistryOptions } from './registry.js';
export { parseModelRef } from './names.js';
export { readOnnxSignature } from './onnx-signature.js';
export * from './types.js';
export type { RegistryControls } from './controls-hooks.js';
