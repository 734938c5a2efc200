import type { BlobStore } from '../adapters/blob/types.js';
import type { ModelResolver } from './resolver.js';
import type { ResolvedModel } from './types.js';
import { verifyBytes } from './version-store.js';

/** A version's artifact, read from the store and checked against the sha256 recorded at registration. */
export interface VerifiedArtifact {
  resolved: ResolvedModel;
  bytes: Uint8Array;
}

/**
 * What other modules may ask the registry for model files: the registry's contract with serving
 * (and its alias follower). Resolve a ref, load its artifact verified, see other processes' changes.
 */
export interface ModelArtifacts {
  /** `name@alias` or `name/version` to a version, its approval and its artifact's location. */
  resolve(ref: string): Promise<ResolvedModel>;
  /** Resolves `ref`, reads its artifact and checks the sha256; FAILED_PRECONDITION when it does not match. */
  loadVerifiedArtifact(ref: string): Promise<VerifiedArtifact>;
  /** Looks for registry changes made by other processes now (the timer and change signal do it too); true when there were some. */
  poll(): Promise<boolean>;
  /**
   * Calls `listener` after every change seen, made here or by another process. One reader of the change
   * sequence fans out to every follower, so none consumes another's news. Returns the unsubscriber.
   */
  onChange(listener: () => void): () => void;
}

/** Resolve, read, verify: written once here, for serving's load and the alias follower alike. */
export async function loadVerifiedArtifact(resolver: ModelResolver, blobs: BlobStore, ref: string): Promise<VerifiedArtifact> {
  const resolved = await resolver.resolve(ref);
  const bytes = await blobs.get(resolved.artifactKey);
  verifyBytes(bytes, resolved.sha256, `${resolved.name}/${resolved.version}`);
  return { resolved, bytes };
}
