export const VERSION_STATUSES = ['PENDING_REGISTRATION', 'READY', 'FAILED_REGISTRATION'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export const APPROVAL_STATES = ['draft', 'pending_approval', 'approved', 'rejected', 'revoked'] as const;
export type ApprovalState = (typeof APPROVAL_STATES)[number];

// The signature types belong to onnx/ (the signature reader); re-exported as part of the registry's types.
import type { ModelSignature } from '../onnx/index.js';
export type { ModelSignature, TensorSpec } from '../onnx/index.js';

export interface RegisteredModel {
  name: string;
  description: string;
  tags: Record<string, string>;
  /** Alias -> version. */
  aliases: Record<string, number>;
  latestVersion: number | null;
  createdBy: string;
  creationTime: number;
  lastUpdatedTime: number;
}

export interface ModelVersion {
  name: string;
  version: number;
  status: VersionStatus;
  statusMessage?: string;
  /** Where the artifact came from: `runs:/<runId>/<path>`, `models:/<modelId>`, `file:<path>` or `bytes`. */
  source: string;
  runId?: string;
  /** The logged model it was registered from (MLflow 3), when it was. */
  modelId?: string;
  format: 'onnx' | 'opaque';
  sha256: string;
  size: number;
  signature: ModelSignature | null;
  description: string;
  tags: Record<string, string>;
  aliases: string[];
  approval: ApprovalState;
  approvalRequestedBy?: string;
  createdBy: string;
  creationTime: number;
  lastUpdatedTime: number;
}

export interface ApprovalEvent {
  from: ApprovalState;
  to: ApprovalState;
  actor: string;
  ts: number;
  reason?: string;
}

/** Where to get a model version's verified artifact. */
export interface ResolvedModel {
  name: string;
  version: number;
  sha256: string;
  size: number;
  /** Key in the artifact store. */
  artifactKey: string;
  /** URI of the artifact (`file:///…/model.onnx`, `s3://…`). */
  uri: string;
  signature: ModelSignature | null;
  approval: ApprovalState;
  /** `opaque` artifacts (not ONNX) are registered but never served. */
  format: 'onnx' | 'opaque';
}

/**
 * Where a new version's model comes from: a run artifact (one ONNX file, or an MLflow model folder
 * with an MLmodel), a logged model (its folder's MLmodel), a local file, or bytes.
 */
export type ModelSource = { runId: string; path: string } | { modelId: string } | { file: string } | { bytes: Uint8Array };

export interface CreateModelVersionInput {
  name: string;
  source: ModelSource;
  description?: string;
  tags?: Record<string, string>;
  /** `onnx` (default): the artifact must be a valid ONNX model and its signature is read. */
  format?: 'onnx' | 'opaque';
  /**
   * Column (feature) names of the model's 2-D inputs, stored in the signature: a list for a model
   * with one input, or `{ <input>: [names] }`. predict() then takes records keyed by these names.
   */
  columns?: string[] | Record<string, string[]>;
  /**
   * Output guards stored with the version, so every service that loads it applies them
   * (ml.serving.load options given at load win). See docs/registry-and-governance.md.
   */
  guards?: Record<string, { min?: number; max?: number; finite?: boolean; maxAbsChange?: number }>;
  onViolation?: 'reject' | 'clamp' | 'fallback';
}

/** One stretch of time an alias pointed at one version (`to` null while it still does). */
export interface AliasPeriod {
  version: number;
  from: number;
  to: number | null;
  actor: string;
  reason?: string;
  /** The audit record that set it, and the one that ended it. */
  setSeq: number;
  endSeq?: number;
}
