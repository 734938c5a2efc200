import { InvalidArgumentError } from '../../core/errors.js';
import type { Mlops } from '../../runtime.js';

/**
 * Artifact URIs as an artifact-proxying MLflow server advertises them (`mlflow server` since 2.0):
 * `mlflow-artifacts:/<path>`, which clients resolve to `<tracking URI>/api/2.0/mlflow-artifacts/
 * artifacts/<path>`. A server-local `file://` or `s3://` URI would make MLflow's Python client write
 * artifacts with its own credentials to its own disk, silently, so every URI leaves the server in
 * this form.
 */
export const PROXY_SCHEME = 'mlflow-artifacts:';

/** A store URI (`file:///…/0/<run>/artifacts`) as the proxy URI clients should use. */
export function advertise(ml: Mlops, uri: string): string {
  const root = ml.stores.artifacts.uri.replace(/\/+$/, '');
  return uri.startsWith(`${root}/`) ? `${PROXY_SCHEME}/${uri.slice(root.length + 1)}` : uri;
}

/** A bound `advertise`, for the shape builders. */
export const advertiser = (ml: Mlops) => (uri: string) => advertise(ml, uri);

export type ProxyTarget = { kind: 'run'; runId: string; path: string } | { kind: 'model'; modelId: string; path: string };

const RUN_PATH = /^(?:[^/]+\/)?([0-9a-f]{32})\/artifacts(?:\/(.*))?$/;
const MODEL_PATH = /^[^/]+\/models\/(m-[0-9a-f]{32})\/artifacts(?:\/(.*))?$/;

/**
 * What a proxy path names: `<experiment_id>/<run_id>/artifacts/<path>` (a run's artifacts; the
 * experiment may be left out) or `<experiment_id>/models/<model_id>/artifacts/<path>` (a logged model's).
 */
export function locateProxyPath(path: string, field = 'path'): ProxyTarget {
  const clean = path.replace(/^\/+/, '');
  const model = MODEL_PATH.exec(clean);
  if (model?.[1] !== undefined) return { kind: 'model', modelId: model[1], path: (model[2] ?? '').replace(/\/+$/, '') };
  const run = RUN_PATH.exec(clean);
  if (run?.[1] !== undefined) return { kind: 'run', runId: run[1], path: (run[2] ?? '').replace(/\/+$/, '') };
  throw new InvalidArgumentError(
    `Invalid artifact path ${JSON.stringify(path)}: expected <experiment_id>/<run_id>/artifacts/<path> or <experiment_id>/models/<model_id>/artifacts/<path>`,
    { details: { field } },
  );
}

/**
 * A URI a client sent back (a model version's `source`): `mlflow-artifacts:/…`, the proxy's HTTP
 * URL, or a URI inside this server's store, as the proxy path it names; undefined for anything else.
 */
export function proxyPathOf(ml: Mlops, uri: string): string | undefined {
  const root = ml.stores.artifacts.uri.replace(/\/+$/, '');
  if (uri.startsWith(`${PROXY_SCHEME}//`)) return uri.replace(/^mlflow-artifacts:\/\/[^/]*\/?/, '');
  if (uri.startsWith(PROXY_SCHEME)) return uri.slice(PROXY_SCHEME.length).replace(/^\/+/, '');
  const http = /^https?:\/\/[^/]+\/api\/2\.0\/mlflow-artifacts\/artifacts\/(.*)$/.exec(uri);
  if (http?.[1] !== undefined) return http[1];
  if (uri.startsWith(`${root}/`)) return uri.slice(root.length + 1);
  return undefined;
}
