import S3rver from 's3rver';
import { tempDir } from './services.js';

export const TEST_BUCKET = 'mlops-test';

/** An S3-compatible server (s3rver) on loopback, in this process. */
export async function startS3(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const dir = await tempDir('mlops-s3-');
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir.path,
    configureBuckets: [{ name: TEST_BUCKET, configs: [] }],
  });
  const address = (await server.run()) as { address: string; port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: async () => {
      await server.close();
      await dir.remove();
    },
  };
}

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
