export { Registry, type RegistryOptions } from './registry.js';
export { parseModelRef } from './names.js';
export { readOnnxSignature } from './onnx-signature.js';
export * from './types.js';
export { withColumns, type InputColumns } from './columns.js';
export { checkModelName, checkVersion } from './names.js';
export type { RegistryEngine } from './registry.js';
export type { ModelArtifacts, VerifiedArtifact } from './model-artifacts.js';
export type { RegistryEvents } from './events.js';
