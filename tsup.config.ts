import { defineConfig } from 'tsup';

/** One entry per subpath export; scripts/check-exports.mjs checks that package.json matches. */
export const entries = {
  index: 'src/index.ts',
  postgres: 'src/postgres.ts',
  redis: 'src/redis.ts',
  s3: 'src/s3.ts',
  testing: 'src/testing/index.ts',
};

export default defineConfig({
  entry: entries,
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  shims: true,
  external: ['pg', 'ioredis', '@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'better-sqlite3', 'vitest'],
});
