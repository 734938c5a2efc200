import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // s3rver, the in-process S3 server of the S3 suites, signs list continuation tokens with DES,
    // which OpenSSL 3 keeps in its legacy provider. Only test workers get it.
    // Strict unhandled rejections: the host contract (the library never leaves one behind).
    execArgv: ['--openssl-legacy-provider', '--unhandled-rejections=strict'],
    // Fails a test on an 'error' event no listener hears (test/setup/host-contract.ts).
    setupFiles: ['test/setup/host-contract.ts'],
    // Vitest's default, spelled out: an unhandled error or rejection fails the run.
    dangerouslyIgnoreUnhandledErrors: false,
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]] : ['default'],
  },
});
