import { InvalidArgumentError } from '../../core/errors.js';
import { parse } from '../args.js';
import type { Command } from '../command.js';
import { print, table } from '../output.js';
import { readJsonFile, readTextFile } from './features.js';
import { withRuntime } from '../runtime-options.js';

export const auditVerify: Command = {
  name: 'audit verify',
  summary: 'Recompute the audit hash chain; exit 1 if any record was altered',
  help: 'mlops audit verify',
  async run(argv, o) {
    const p = parse(argv, {});
    const r = await withRuntime(p, (ml) => ml.audit.verify());
    print(o, r, () => (r.ok ? `Audit chain intact: ${r.checked} records verified` : `Audit chain BROKEN at record ${r.firstBrokenSeq} (${r.checked} records checked)`));
    return r.ok ? 0 : 1;
  },
};

/** Rows from a CSV file with a header line; numeric cells become numbers. */
function parseCsv(text: string, source: string): Array<Record<string, unknown>> {
  const lines = text.split(/\r?\n/).filter((l) => l.trim().length > 0);
  const header = lines[0]?.split(',').map((h) => h.trim());
  if (header === undefined || header.length === 0) throw new InvalidArgumentError(`Invalid ${source}: no header line`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) throw new InvalidArgumentError(`Invalid ${source} line ${i + 2}: ${cells.length} cells, the header has ${header.length}`);
    return Object.fromEntries(header.map((h, j) => {
      const c = (cells[j] ?? '').trim();
      return [h, c === '' ? null : Number.isFinite(Number(c)) ? Number(c) : c];
    }));
  });
}

async function readData(path: string, field: string): Promise<Array<Record<string, unknown>> | Record<string, unknown[]>> {
  if (path.endsWith('.csv')) return parseCsv(await readTextFile(path, field), `${field} ${JSON.stringify(path)}`);
  const data = await readJsonFile(path, field);
  if (Array.isArray(data) || (data !== null && typeof data === 'object')) return data as Array<Record<string, unknown>>;
  throw new InvalidArgumentError(`Invalid ${field} ${JSON.stringify(path)}: expected rows (a list of objects) or columns (an object of lists)`);
}

export const driftReport: Command = {
  name: 'drift report',
  summary: 'Compare current data with a reference, per column (Evidently\'s tests)',
  help: `mlops drift report --reference <file> --current <file> [--fail-on-drift]
  files: .csv with a header, or .json with rows [{…}] or columns {col: […]}
  --fail-on-drift   exit 1 when the dataset drifted (for CI and cron)`,
  async run(argv, o) {
    const p = parse(argv, { reference: { type: 'string' }, current: { type: 'string' }, 'fail-on-drift': { type: 'boolean' } });
    if (p.values.reference === undefined) throw new InvalidArgumentError('Invalid --reference: give a .csv or .json file');
    if (p.values.current === undefined) throw new InvalidArgumentError('Invalid --current: give a .csv or .json file');
    const reference = await readData(p.values.reference, '--reference');
    const current = await readData(p.values.current, '--current');
    const r = await withRuntime(p, async (ml) => ml.monitoring.compare(reference, current));
    print(o, r, () =>
      table(
        ['COLUMN', 'TEST', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'DRIFT'],
        Object.entries(r.columns).map(([c, d]) => [c, d.test, d.statistic.toPrecision(4), d.pValue?.toPrecision(4) ?? '', d.threshold, d.drift ? 'DRIFT' : 'ok']),
      ) + `\n\nDataset drift: ${r.datasetDrift ? 'YES' : 'no'} (${(r.share * 100).toFixed(0)}% of columns drifted)`,
    );
    return p.values['fail-on-drift'] && r.datasetDrift ? 1 : 0;
  },
};
