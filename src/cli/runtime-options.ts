import { createMlops, type Mlops } from '../runtime.js';
import type { MlopsOptions } from '../config/options.js';
import type { Principal } from '../governance/principal.js';
import type { Parsed, GLOBAL_OPTIONS } from './args.js';

/** The runtime a command works on: createMlops's own configuration, from flags then MLOPS_* variables. */
export async function openRuntime(p: Parsed<typeof GLOBAL_OPTIONS>, env: NodeJS.ProcessEnv = process.env, extra: Pick<MlopsOptions, 'logger'> = {}): Promise<Mlops> {
  const v = p.values;
  const id = v.as ?? env.MLOPS_PRINCIPAL;
  const roles = (v.roles ?? env.MLOPS_ROLES ?? '').split(',').map((r) => r.trim()).filter((r) => r.length > 0);
  const principal: Principal | undefined = id !== undefined ? { id, roles } : undefined;
  return createMlops({
    ...(v.dir !== undefined ? { dir: v.dir } : {}),
    ...(v.metadata !== undefined ? { metadata: v.metadata } : {}),
    ...(v.artifacts !== undefined ? { artifacts: v.artifacts } : {}),
    ...(v.online !== undefined ? { online: v.online } : {}),
    ...(principal !== undefined ? { principal } : {}),
    ...extra,
    env,
  });
}

/** Runs `fn` on a runtime opened from the command's options and always closes it. */
export async function withRuntime<T>(p: Parsed<typeof GLOBAL_OPTIONS>, fn: (ml: Mlops) => Promise<T>): Promise<T> {
  const ml = await openRuntime(p);
  try {
    return await fn(ml);
  } finally {
    await ml.close();
  }
}
