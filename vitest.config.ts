import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // s3rver, the in-process S3 server of the S3 suites, signs list continuation tokens with DES,
    // which OpenSSL 3 keeps in its legacy provider. Only test workers get it.
    execArgv: ['--openssl-legacy-provider'],
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]] : ['default'],
  },
});
