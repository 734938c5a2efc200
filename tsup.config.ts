import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  dts: true,
  sourcemap: true,
  target: 'node20',
  splitting: true,
  shims: true,
  external: ['pg', 'ioredis', 'rabbitmq-stream-js-client', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'better-sqlite3', 'vitest'],
};

/** One entry per subpath export; scripts/check-exports.mjs checks that package.json matches. */
export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts', adapters: 'src/adapters.ts', postgres: 'src/postgres.ts', redis: 'src/redis.ts', rabbitmq: 'src/rabbitmq.ts', models: 'src/models.ts', s3: 'src/s3.ts', server: 'src/server.ts' },
    format: ['esm', 'cjs'],
    // dist is emptied once by `npm run build`: cleaning per config races with the other config.
    clean: false,
  },
  // The `mlops` command: ESM, one file per entry, a shebang kept from src/cli.ts.
  { ...shared, dts: false, entry: { cli: 'src/cli.ts' }, format: ['esm'], clean: false },
  // The conformance suites import vitest, which cannot be loaded with require(): ESM only.
  { ...shared, entry: { testing: 'src/testing/index.ts' }, format: ['esm'], clean: false },
]);
