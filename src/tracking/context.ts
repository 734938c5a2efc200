import type { BlobStore } from '../adapters/blob/types.js';
import type { SqlDriver } from '../adapters/sql/types.js';
import type { Clock } from '../core/clock.js';
import type { TrackingBus } from './events.js';
import type { AuditSink } from '../governance/index.js';

/** What the tracking stores need from the runtime. */
export interface TrackingContext {
  sql: SqlDriver;
  blobs: BlobStore;
  clock: Clock;
  events: TrackingBus;
  /** Records governance-relevant changes (experiments created, renamed, deleted; runs deleted). */
  audit: AuditSink;
}
