import { readFile } from 'node:fs/promises';
import { NotFoundError } from '../../core/errors.js';
import { readOnnxSignature } from '../../onnx/index.js';
import type { TensorSpec } from '../../registry/types.js';
import { batchLayout } from '../../serving/batch-axis.js';
import { parse, positional } from '../args.js';
import type { Command } from '../command.js';
import { print, table } from '../output.js';

const shape = (s: TensorSpec) => (s.shape === null ? 'unknown' : `[${s.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`);
const axis = (a: number | undefined) => (a === undefined || a < 0 ? '-' : String(a));

/** `mlops models check <file>`: what serving will make of an ONNX file, without loading it. */
export const modelsCheck: Command = {
  name: 'models check',
  summary: 'Show an ONNX file\'s signature, the batch axis found and whether it batches',
  help: 'mlops models check <file.onnx>',
  async run(argv, o) {
    const p = parse(argv, {});
    const file = positional(p, 0, 'file');
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new NotFoundError(`Model file ${JSON.stringify(file)} cannot be read`, { cause: err });
    }
    const signature = await readOnnxSignature(bytes, 'file');
    const layout = batchLayout(signature);
    const tensors = (kind: 'input' | 'output', specs: TensorSpec[], axes: Readonly<Record<string, number>>) =>
      specs.map((s) => ({ kind, name: s.name, type: s.elementType ?? s.typeDescription ?? s.kind, shape: s.shape, batchAxis: (axes[s.name] ?? -1) < 0 ? null : axes[s.name] }));
    const report = {
      file,
      tensors: [...tensors('input', signature.inputs, layout.inputs), ...tensors('output', signature.outputs, layout.outputs)],
      batchDimension: layout.dim,
      batches: layout.refusal === undefined,
      ...(layout.refusal !== undefined ? { reason: layout.refusal } : {}),
      opsets: signature.opsets,
      ...(signature.producer !== undefined ? { producer: signature.producer } : {}),
    };
    print(o, report, () => {
      const rows = [...signature.inputs.map((s) => ['input', s, layout.inputs[s.name]] as const), ...signature.outputs.map((s) => ['output', s, layout.outputs[s.name]] as const)];
      const verdict =
        layout.refusal === undefined
          ? `batches: yes, along ${layout.dim ?? 'the first dimension'} (requests are joined along each tensor's BATCH AXIS; inputs without one must be equal to share a run)`
          : `batches: no, ${layout.refusal}; it serves each request alone (load it without batching options)`;
      return [table(['', 'NAME', 'TYPE', 'SHAPE', 'BATCH AXIS'], rows.map(([kind, s, a]) => [kind, s.name, s.elementType ?? s.typeDescription ?? s.kind, shape(s), axis(a)])), '', verdict].join('\n');
    });
  },
};
