/**
 * The ingest source contract: what `ml.features.ingest(view, source)` reads. A source is an async
 * iterable of messages; each message carries rows and is acknowledged only after its rows are written
 * to every store the ingest writes to (at-least-once). Newer-wins writes make a redelivered row harmless.
 * Redis Streams (`./redis`) and RabbitMQ Streams (`./rabbitmq`) implement it; docs/features.md shows a
 * Kafka source written against it.
 */

/** One row: the view's join keys, `event_ts` and feature values. */
export type IngestRow = Record<string, unknown>;

/** A message from a stream: rows plus what to do once they are written, or once they cannot be. */
export interface StreamMessage {
  rows: IngestRow[];
  /** Called after the rows are written: the source may now commit this message's position. */
  ack(): Promise<void> | void;
  /**
   * Called instead of `ack` when the rows were refused (a bad value): the source dead-letters the
   * message with the reason, then may commit past it. Sources without a dead-letter target omit it,
   * and a refused batch then fails the ingest.
   */
  reject?(reason: string): Promise<void> | void;
  /**
   * A message that groups several of the source's own (a chunk) may split into them when its rows are
   * refused, so only the bad ones are rejected. Settling every part settles the group.
   */
  split?(): StreamMessage[];
}

/** How far behind the stream's head a source is, for the `mlops_ingest_lag_*` gauges. */
export interface IngestProgress {
  /** Messages in the stream after the last one written (undefined when the broker cannot tell). */
  lagMessages?: number;
  /** Seconds between now and the newest written message's time (undefined before the first). */
  lagSeconds?: number;
  /** Messages written and acknowledged so far. */
  acked: number;
  /** Messages sent to the dead-letter target so far. */
  deadLettered: number;
}

/** A source that reports its progress; plain async iterables are sources too, without progress. */
export interface IngestSource extends AsyncIterable<StreamMessage> {
  /** A short label for metrics, e.g. `rabbitmq:prices`. */
  readonly label: string;
  progress(): IngestProgress;
  /** Stops reading; resolves once the source has committed what was acknowledged and let go of its connection. */
  close(): Promise<void>;
}
