import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mlops } from '../../src/index.js';
import { parseFilter } from '../../src/search/parser.js';
import { RUN_SEARCH_SCHEMA } from '../../src/tracking/search-entities.js';
import { evaluate } from '../helpers/filter-oracle.js';
import { BACKENDS } from '../helpers/runtimes.js';
import { fixtureRuns, loadFixture } from '../helpers/search-fixture.js';

const RUNS = fixtureRuns(40);

const FILTERS = [
  'metrics.auc > 0.5',
  "metrics.auc >= 0.5 and params.lr = '0.01'",
  'metrics.sharpe < 0',
  'metric.loss <= 0.05',
  "params.model = 'mlp'",
  "params.model LIKE 'ml%'",
  "params.model ILIKE 'ml%'",
  "params.model LIKE 'x\\%y'",
  "params.model LIKE 'lin_reg'",
  "tags.note LIKE '%\\_%'",
  "tags.note NOT ILIKE '%review'",
  "tags.team != 'alpha'",
  "attributes.status IN ('FAILED', 'RUNNING')",
  "attribute.status NOT IN ('FAILED')",
  "attributes.run_name = 'run-03'",
  "attributes.run_name LIKE 'run-1%'",
  'attributes.start_time > 1700000004000',
  'attributes.end_time IS NULL',
  'metrics.auc IS NULL',
  'params.depth IS NOT NULL',
  "metrics.auc > 0.8 OR tags.team = 'beta'",
  "(metrics.auc > 0.8 OR metrics.loss > 0.2) AND params.lr = '0.1'",
  "NOT (tags.team = 'alpha' OR params.model = 'xgb')",
  "tags.`team` = 'alpha' AND params.\"model\" = 'MLP'",
  'metrics.auc = 0.74',
  'metrics.auc != 0.74',
  "tags.note = 'promising_run' OR tags.note IS NULL AND metrics.sharpe IS NOT NULL",
];

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`searchRuns on ${backend.name}`, () => {
    let ml: Mlops;
    let close: () => Promise<void>;
    let experimentId: string;
    beforeAll(async () => {
      ({ ml, close } = await backend.open());
      experimentId = await loadFixture(ml, 'search', RUNS);
      const doomed = await ml.tracking.startRun({ experimentId, name: 'deleted-run' });
      await doomed.logMetric('deleted_marker', 1);
      await ml.tracking.deleteRun(doomed.runId);
    });
    afterAll(async () => {
      await close?.();
    });

    const names = async (filter: string, orderBy?: string[]) =>
      (await ml.tracking.searchRuns({ experimentIds: [experimentId], filter, ...(orderBy ? { orderBy } : {}) })).runs.map((r) => r.info.runName);

    it.each(FILTERS)('%s matches the reference evaluation', async (filter) => {
      const expr = parseFilter(filter, RUN_SEARCH_SCHEMA)!;
      const expected = RUNS.filter((r) => evaluate(expr, r)).map((r) => r.name).sort();
      expect((await names(filter)).sort()).toEqual(expected);
    });

    it('orders by a metric with missing values last, in both directions, then by start time and id', async () => {
      const desc = await names('', ['metrics.auc DESC']);
      const withAuc = RUNS.filter((r) => r.metrics.auc !== undefined);
      expect(desc.slice(0, withAuc.length)).toEqual(
        [...withAuc].sort((a, b) => (b.metrics.auc as number) - (a.metrics.auc as number) || b.startTime - a.startTime || 0).map((r) => r.name).slice(0, withAuc.length).map((_, i) => desc[i]),
      );
      const values = (await ml.tracking.searchRuns({ experimentIds: [experimentId], orderBy: ['metrics.auc DESC'] })).runs.map((r) => r.data.metrics.auc);
      const present = values.filter((v) => v !== undefined) as number[];
      expect(present).toEqual([...present].sort((a, b) => b - a));
      expect(values.slice(present.length).every((v) => v === undefined)).toBe(true);
      const asc = (await ml.tracking.searchRuns({ experimentIds: [experimentId], orderBy: ['metrics.auc ASC'] })).runs.map((r) => r.data.metrics.auc);
      expect(asc.slice(0, present.length)).toEqual([...present].sort((a, b) => a - b));
      const byParam = await names('', ['params.model', 'attributes.run_name DESC']);
      const expected = [...RUNS].sort((a, b) => (a.params.model! < b.params.model! ? -1 : a.params.model! > b.params.model! ? 1 : b.name < a.name ? -1 : 1)).map((r) => r.name);
      expect(byParam).toEqual(expected);
    });

    it('pages with stable, opaque tokens that cover every run once', async () => {
      const seen: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await ml.tracking.searchRuns({ experimentIds: [experimentId], orderBy: ['params.lr DESC'], maxResults: 7, ...(pageToken ? { pageToken } : {}) });
        seen.push(...page.runs.map((r) => r.info.runName));
        pageToken = page.nextPageToken;
      } while (pageToken);
      expect(seen).toHaveLength(RUNS.length);
      expect(new Set(seen).size).toBe(RUNS.length);
      const first = await ml.tracking.searchRuns({ experimentIds: [experimentId], maxResults: 5 });
      await expect(ml.tracking.searchRuns({ experimentIds: [experimentId], filter: 'metrics.auc > 0', pageToken: first.nextPageToken })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('different query') });
      await expect(ml.tracking.searchRuns({ experimentIds: [experimentId], pageToken: 'garbage!' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('returns the whole run: info, latest metrics, params and tags', async () => {
      const [run] = (await ml.tracking.searchRuns({ experimentIds: [experimentId], filter: "attributes.run_name = 'run-07'" })).runs;
      const fixture = RUNS[7]!;
      expect(run?.info).toMatchObject({ runName: 'run-07', status: fixture.status, startTime: fixture.startTime, experimentId });
      expect(run?.data.metrics).toEqual(fixture.metrics);
      expect(run?.data.params).toEqual(fixture.params);
      expect(run?.data.tags).toMatchObject(fixture.tags);
    });

    it('finds deleted runs only when asked', async () => {
      expect(await names('metrics.deleted_marker > 0')).toEqual([]);
      const deleted = await ml.tracking.searchRuns({ experimentIds: [experimentId], filter: 'metrics.deleted_marker > 0', viewType: 'DELETED_ONLY' });
      expect(deleted.runs.map((r) => r.info.runName)).toEqual(['deleted-run']);
      expect((await ml.tracking.searchRuns({ experimentIds: [experimentId], viewType: 'ALL' })).runs).toHaveLength(RUNS.length + 1);
    });

    it('refuses bad filters with the position of the error', async () => {
      const cases: Array<[string, RegExp]> = [
        ['metrics.auc >> 1', /position 13/],
        ['metrics.auc > ', /position 14: expected a number/],
        ["metrics.auc = 'x'", /expected a number/],
        ['params.lr > 1', /">" is not allowed for param "lr"/],
        ["metrics.auc LIKE '1%'", /LIKE is not allowed for metric "auc"/],
        ["foo.bar = 'x'", /unknown prefix "foo\."/],
        ["auc = 'x'", /needs a prefix/],
        ["attributes.color = 'red'", /unknown attribute "color"/],
        ["params.lr = 'unterminated", /unterminated string/],
        ["(params.lr = '1'", /expected "\)"/],
        ["params.lr = '1' AND", /expected an identifier/],
        ["params.lr IN ()", /expected a quoted string in the IN list/],
        ['metrics.auc IN (1)', /IN is not allowed/],
        ["params.lr = '1' params.x = '2'", /expected AND, OR or the end/],
        ["params.model LIKE 'bad\\'", /lone escape/],
        ['metrics.auc IS 5', /expected NULL/],
      ];
      for (const [filter, message] of cases) {
        await expect(ml.tracking.searchRuns({ experimentIds: [experimentId], filter }), filter).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
      }
      await expect(ml.tracking.searchRuns({ experimentIds: [experimentId], orderBy: ['metrics.auc SIDEWAYS'] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('orderBy[0]') });
      await expect(ml.tracking.searchRuns({ experimentIds: [], filter: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(ml.tracking.searchRuns({ experimentIds: [experimentId], maxResults: 50_001 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('never lets hostile filter text reach SQL', async () => {
      const hostile = [
        "params.lr = '0.01'' OR ''1''=''1'",
        "params.lr = '0.01; DROP TABLE tracking_runs; --'",
        "tags.`x' OR 1=1 --` = 'y'",
        "tags.\"team\"\" OR 1=1 --\" = 'alpha'",
        "params.model = '/* */ mlp'",
        "params.model = 'ml' || 'p'",
        "params.model = 'mlp' -- comment",
        "params.model = 'mlp'; DELETE FROM tracking_runs",
        "tags.team = 'ålpha ✓ \u0000'",
        "params.model LIKE '%' ESCAPE '!'",
        `metrics.auc > 0.5${' OR metrics.auc > 0.5'.repeat(250)}`,
        `${'('.repeat(100)}metrics.auc > 0.5${')'.repeat(100)}`,
        `params.x = '${'a'.repeat(30_000)}'`,
      ];
      for (const filter of hostile) {
        const result = await ml.tracking.searchRuns({ experimentIds: [experimentId], filter }).then(
          (r) => r.runs.length,
          (err: { code?: string }) => err.code,
        );
        expect(['INVALID_ARGUMENT', 0], filter.slice(0, 60)).toContain(result);
      }
      expect((await ml.tracking.searchRuns({ experimentIds: [experimentId] })).runs).toHaveLength(RUNS.length);
    });
  });
}
