export { openS3BlobStore, type S3BlobOptions, type S3ClientLike } from './adapters/blob/s3-store.js';
