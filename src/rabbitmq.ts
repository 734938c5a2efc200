export { rabbitStreamSource, type RabbitStreamSourceOptions, type RabbitClientLike } from './adapters/ingest/rabbitmq-stream-source.js';
export type { IngestSource, IngestProgress, StreamMessage, IngestRow } from './adapters/ingest/types.js';
