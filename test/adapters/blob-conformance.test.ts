import { afterAll, beforeAll, describe } from 'vitest';
import { openLocalBlobStore } from '../../src/adapters/blob/local-store.js';
import { openS3BlobStore } from '../../src/adapters/blob/s3-store.js';
import { blobStoreSuite } from '../../src/testing/blob-suite.js';
import { tempDir, uniqueName } from '../helpers/services.js';
import { S3_CREDENTIALS, TEST_BUCKET, startS3 } from '../helpers/s3-server.js';

blobStoreSuite('local files', async () => {
  const dir = await tempDir();
  const store = await openLocalBlobStore({ root: dir.path });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    await dir.remove();
  };
  return store;
});

describe('[s3] in-process s3rver', () => {
  let s3: Awaited<ReturnType<typeof startS3>>;
  beforeAll(async () => {
    s3 = await startS3();
  });
  afterAll(async () => {
    await s3?.stop();
  });
  blobStoreSuite(
    's3 (multipart above 5 MiB)',
    () =>
      openS3BlobStore({
        bucket: TEST_BUCKET,
        prefix: uniqueName('p'),
        endpoint: s3.endpoint,
        region: 'us-east-1',
        credentials: S3_CREDENTIALS,
        multipartThresholdBytes: 5 * 1024 * 1024,
        partSizeBytes: 5 * 1024 * 1024,
      }),
    { largeObjectBytes: 11 * 1024 * 1024 },
  );
});
