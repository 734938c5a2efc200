import { join } from 'node:path';
import { createMlops, type Mlops } from '../../src/index.js';
import { PG_URL, dropSchema, tempDir, uniqueName } from './services.js';

export interface Backend {
  name: string;
  skip: boolean;
  /** A fresh runtime on an empty metadata store; the returned close removes everything. */
  open(): Promise<{ ml: Mlops; close: () => Promise<void> }>;
}

export const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    skip: false,
    async open() {
      const dir = await tempDir('mlops-trk-');
      const ml = await createMlops({ dir: dir.path, env: {} });
      return {
        ml,
        close: async () => {
          await ml.close();
          await dir.remove();
        },
      };
    },
  },
  {
    name: '[postgres]',
    skip: !PG_URL,
    async open() {
      const dir = await tempDir('mlops-trk-');
      const schema = uniqueName('trk');
      const ml = await createMlops({ dir: dir.path, metadata: `${PG_URL}?schema=${schema}`, env: {} });
      return {
        ml,
        close: async () => {
          await ml.close();
          await dropSchema(schema);
          await dir.remove();
        },
      };
    },
  },
];

export { join };
