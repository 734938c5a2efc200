import type { ManualClock } from '../../src/testing/index.js';
import { createMlops, type Mlops } from '../../src/index.js';
import type { FeaturesOptions } from '../../src/features/context.js';
import { PG_URL, REDIS_URL, dropSchema, tempDir, uniqueName } from './services.js';
import { clearKvStore } from './kv-cleanup.js';

export interface FeatureBackend {
  name: string;
  skip: boolean;
  open(options?: { features?: FeaturesOptions; clock?: ManualClock }): Promise<{ ml: Mlops; close: () => Promise<void> }>;
}

/** Embedded (SQLite + memory) and production (PostgreSQL + Redis) stores for the same feature tests. */
export const FEATURE_BACKENDS: FeatureBackend[] = [
  {
    name: 'sqlite + memory',
    skip: false,
    async open(options = {}) {
      const dir = await tempDir('mlops-feat-');
      const ml = await createMlops({ dir: dir.path, env: {}, ...options });
      return { ml, close: async () => (await ml.close(), await dir.remove()) };
    },
  },
  {
    name: '[postgres] [redis]',
    skip: !PG_URL || !REDIS_URL,
    async open(options = {}) {
      const dir = await tempDir('mlops-feat-');
      const schema = uniqueName('feat');
      const prefix = `${uniqueName('feat')}:`;
      const ml = await createMlops({ dir: dir.path, env: {}, metadata: `${PG_URL}?schema=${schema}`, online: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`, ...options });
      return {
        ml,
        close: async () => {
          await clearKvStore(ml.stores.online);
          await ml.close();
          await dropSchema(schema);
          await dir.remove();
        },
      };
    },
  },
];
