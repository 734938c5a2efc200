import { parse, stringify } from 'yaml';
import { FailedPreconditionError, InvalidArgumentError } from '../core/errors.js';
import type { ModelSignature } from './signature-types.js';

/**
 * MLflow's model folder format: an `MLmodel` YAML file naming the flavors the folder can be loaded
 * as, and (optionally) a signature. We serve the `onnx` flavor; every other flavor is Python-only.
 */
export interface MlmodelFile {
  flavors: string[];
  /** The ONNX file inside the folder (the onnx flavor's `data`), when the folder has that flavor. */
  onnxFile?: string;
  signature?: { inputs: MlmodelSpec[]; outputs: MlmodelSpec[] };
}

/** One entry of an MLmodel signature: a tensor spec (`tensor-spec.dtype`) or a column (`type`). */
export interface MlmodelSpec {
  name?: string;
  /** `tensor` for tensor specs; a column type (`double`, `long`, …) otherwise. */
  type: string;
  dtype?: string;
  shape?: number[];
}

export const MLMODEL_FILE = 'MLmodel';

/** How to get a model into the one format the runtime serves; named in every refusal. */
export const ONNX_EXPORT_HINT = 'log it with mlflow.onnx.log_model, after converting it with skl2onnx (scikit-learn), torch.onnx.export (PyTorch) or tf2onnx (TensorFlow/Keras)';

function specs(text: unknown, field: string): MlmodelSpec[] {
  if (text === undefined || text === null) return [];
  let list: unknown;
  try {
    list = typeof text === 'string' ? JSON.parse(text) : text;
  } catch (err) {
    throw new InvalidArgumentError(`Invalid MLmodel ${field}: not JSON (${(err as Error).message})`, { cause: err });
  }
  if (!Array.isArray(list)) throw new InvalidArgumentError(`Invalid MLmodel ${field}: expected a list of specs`);
  return list.map((raw: unknown) => {
    const e = (raw ?? {}) as { name?: unknown; type?: unknown; 'tensor-spec'?: { dtype?: unknown; shape?: unknown } };
    const t = e['tensor-spec'];
    return {
      ...(typeof e.name === 'string' ? { name: e.name } : {}),
      type: typeof e.type === 'string' ? e.type : 'unknown',
      ...(t !== undefined && typeof t.dtype === 'string' ? { dtype: t.dtype } : {}),
      ...(t !== undefined && Array.isArray(t.shape) ? { shape: t.shape.map(Number) } : {}),
    };
  });
}

/** Reads an MLmodel file; INVALID_ARGUMENT when it is not the YAML mapping MLflow writes. */
export function parseMlmodel(bytes: Uint8Array): MlmodelFile {
  let doc: unknown;
  try {
    doc = parse(Buffer.from(bytes).toString('utf8'), { maxAliasCount: 10 });
  } catch (err) {
    throw new InvalidArgumentError(`Invalid MLmodel: not YAML (${(err as Error).message})`, { cause: err });
  }
  const m = doc as { flavors?: Record<string, { data?: unknown; model_path?: unknown } | null>; signature?: { inputs?: unknown; outputs?: unknown } | null } | null;
  if (m === null || typeof m !== 'object' || m.flavors === null || typeof m.flavors !== 'object') {
    throw new InvalidArgumentError('Invalid MLmodel: it has no flavors mapping');
  }
  const onnx = m.flavors.onnx;
  const onnxFile = onnx !== null && typeof onnx === 'object' ? (typeof onnx.data === 'string' ? onnx.data : 'model.onnx') : undefined;
  const sig = m.signature;
  return {
    flavors: Object.keys(m.flavors),
    ...(onnxFile !== undefined ? { onnxFile } : {}),
    ...(sig !== null && typeof sig === 'object' ? { signature: { inputs: specs(sig.inputs, 'signature.inputs'), outputs: specs(sig.outputs, 'signature.outputs') } } : {}),
  };
}

/** MLflow's numpy dtypes and column types, in the ONNX element types the runtime names. */
const DTYPES: Record<string, string> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16',
  int64: 'int64', long: 'int64', int32: 'int32', integer: 'int32', int16: 'int16', int8: 'int8',
  uint64: 'uint64', uint32: 'uint32', uint16: 'uint16', uint8: 'uint8', bool: 'bool', boolean: 'bool',
  str: 'string', string: 'string', object: 'string',
};

/**
 * Checks the MLmodel signature against the ONNX graph's, by input name and element type. Column
 * signatures (one column per feature) name the columns of a single 2-D input: they are returned,
 * to become the version's column names.
 */
export function compareSignatures(declared: NonNullable<MlmodelFile['signature']>, graph: ModelSignature): { columns?: string[] } {
  const tensors = declared.inputs.filter((s) => s.type === 'tensor');
  if (tensors.length > 0) {
    for (const [i, spec] of tensors.entries()) {
      const name = spec.name ?? graph.inputs[i]?.name;
      const actual = graph.inputs.find((g) => g.name === name);
      if (actual === undefined) {
        throw new InvalidArgumentError(`Invalid MLmodel signature: input ${JSON.stringify(name)} is not an input of the ONNX graph (it has ${graph.inputs.map((g) => g.name).join(', ')})`, { details: { field: `signature.inputs.${name}` } });
      }
      const want = spec.dtype !== undefined ? DTYPES[spec.dtype] : undefined;
      if (want !== undefined && actual.elementType !== null && want !== actual.elementType) {
        throw new InvalidArgumentError(`Invalid MLmodel signature: input ${JSON.stringify(name)} is ${spec.dtype} in MLmodel but ${actual.elementType} in the ONNX graph`, { details: { field: `signature.inputs.${name}` } });
      }
    }
    return {};
  }
  const columns = declared.inputs.filter((s) => s.name !== undefined).map((s) => s.name as string);
  const only = graph.inputs.length === 1 ? graph.inputs[0] : undefined;
  const width = only?.shape?.length === 2 ? only.shape[1] : undefined;
  if (columns.length === 0 || only === undefined) return {};
  if (typeof width === 'number' && width !== columns.length) {
    throw new InvalidArgumentError(`Invalid MLmodel signature: ${columns.length} input columns (${columns.join(', ')}) but ONNX input ${JSON.stringify(only.name)} has ${width}`, { details: { field: `signature.inputs.${only.name}` } });
  }
  return { columns };
}

/** An MLmodel for an ONNX file, as mlflow.onnx.log_model writes it (so MLflow's Python client loads it). */
export function onnxMlmodel(options: { modelId: string; file: string; signature: ModelSignature; createdAt: number }): string {
  const spec = (list: ModelSignature['inputs']) =>
    JSON.stringify(
      list.map((t) => ({ type: 'tensor', 'tensor-spec': { dtype: t.elementType ?? 'float32', shape: (t.shape ?? []).map((d) => (typeof d === 'number' ? d : -1)) }, name: t.name })),
    );
  return stringify({
    artifact_path: options.file.replace(/\.onnx$/, ''),
    flavors: {
      onnx: { code: null, data: options.file, providers: ['CPUExecutionProvider'] },
      python_function: { data: options.file, loader_module: 'mlflow.onnx' },
    },
    model_id: options.modelId,
    signature: { inputs: spec(options.signature.inputs), outputs: spec(options.signature.outputs), params: null },
    utc_time_created: new Date(options.createdAt).toISOString().replace('T', ' ').replace('Z', ''),
  });
}

/** Serving refuses a version that is not ONNX, naming the MLflow flavors it has and how to export. */
export function refuseOpaque(what: string, bytes: Uint8Array): never {
  let flavors: string[] = [];
  try {
    flavors = parseMlmodel(bytes).flavors;
  } catch {
    // Not an MLmodel: an opaque file registered as such.
  }
  const found = flavors.length > 0 ? `an MLflow model with flavors ${flavors.join(', ')} and no onnx flavor` : 'an opaque artifact, not ONNX';
  throw new FailedPreconditionError(`Model version ${what} is ${found}; only ONNX models serve. To serve it, ${ONNX_EXPORT_HINT}, and register that version`, {
    details: { flavors },
  });
}
