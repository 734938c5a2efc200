import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mlops } from '../../src/index.js';
import type { FilterExpr } from '../../src/search/ast.js';
import { parseFilter } from '../../src/search/parser.js';
import { RUN_SEARCH_SCHEMA } from '../../src/tracking/search-entities.js';
import { evaluate, orderRuns } from '../helpers/filter-oracle.js';
import { searchTuning } from '../../src/tracking/run-search.js';
import { BACKENDS } from '../helpers/runtimes.js';
import { fixtureRuns, loadFixture } from '../helpers/search-fixture.js';

const RUNS = fixtureRuns(40);

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const kw = (word: string) => fc.constantFrom(word, word.toLowerCase());

const metricKey = fc.constantFrom('auc', 'loss', 'sharpe', 'absent');
const metricPrefix = fc.constantFrom('metrics.', 'metric.');
const metricValue = fc.oneof(fc.constantFrom(0, 0.5, 0.74, 1, -1.5, 2.25, 0.05, 0.333), fc.double({ min: -3, max: 3, noNaN: true }));
const numOp = fc.constantFrom('=', '!=', '>', '>=', '<', '<=');
const strOp = fc.constantFrom('=', '!=');
const likeOp = fc.constantFrom('LIKE', 'ILIKE', 'NOT LIKE', 'not ilike', 'like');
const paramOrTag = fc.oneof(
  fc.tuple(fc.constantFrom('params.', 'param.', 'parameters.'), fc.constantFrom('lr', 'model', 'depth', 'nope')),
  fc.tuple(fc.constantFrom('tags.', 'tag.'), fc.constantFrom('team', 'note', 'mlflow.runName')),
);
const strValue = fc.oneof(
  fc.constantFrom('0.01', '0.1', 'xgb', 'MLP', 'mlp', 'lin_reg', 'x%y', 'alpha', 'beta', 'promising_run', 'Needs Review', '4', 'run-05'),
  fc.string({ maxLength: 6, unit: fc.constantFrom('a', 'l', 'p', 'M', '%', '_', "'", ' ', '.') }),
);
const pattern = fc.constantFrom('ml%', '%', '_lp', 'x\\%y', '%review', 'ML%', '%\\_%', 'run-0_', '%a%', 'lin\\_reg', '');
const keyText = (prefix: string, key: string) => fc.constantFrom(`${prefix}${key}`, `${prefix}\`${key}\``, `${prefix}"${key}"`);

const comparison: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(metricPrefix, metricKey, numOp, metricValue).chain(([p, k, op, v]) => keyText(p, k).map((id) => `${id} ${op} ${v}`)),
  fc.tuple(paramOrTag, strOp, strValue).chain(([[p, k], op, v]) => keyText(p, k).map((id) => `${id} ${op} ${quote(v)}`)),
  fc.tuple(paramOrTag, likeOp, pattern).map(([[p, k], op, v]) => `${p}${k} ${op} ${quote(v)}`),
  fc.tuple(fc.oneof(metricKey.map((k) => `metrics.${k}`), paramOrTag.map(([p, k]) => `${p}${k}`)), fc.constantFrom('IS NULL', 'is not null', 'IS NOT NULL')).map(([f, t]) => `${f} ${t}`),
  fc.tuple(fc.constantFrom('attributes.status', 'attr.status', 'run.run_name'), fc.boolean(), fc.uniqueArray(fc.constantFrom('FINISHED', 'FAILED', 'RUNNING', 'run-01', 'run-12'), { minLength: 1, maxLength: 3 })).map(
    ([f, not, vs]) => `${f} ${not ? 'NOT IN' : 'IN'} (${vs.map(quote).join(', ')})`,
  ),
  fc.tuple(fc.constantFrom('attributes.start_time', 'attributes.created', 'attributes.end_time'), numOp, fc.integer({ min: 1_699_999_999_000, max: 1_700_000_041_000 })).map(([f, op, v]) => `${f} ${op} ${v}`),
);

const filter: fc.Arbitrary<string> = fc.letrec((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.tuple(tie('expr'), kw('AND'), tie('expr')).map(([a, k, b]) => `${a} ${k} ${b}`),
    fc.tuple(tie('expr'), kw('OR'), tie('expr')).map(([a, k, b]) => `(${a}) ${k} (${b})`),
    fc.tuple(kw('NOT'), tie('expr')).map(([k, a]) => `${k} (${a})`),
  ),
})).expr as fc.Arbitrary<string>;

describe.skipIf(BACKENDS.some((b) => b.skip))('[postgres] random filters: SQLite, PostgreSQL and a reference agree', () => {
  const opened: Array<{ ml: Mlops; close: () => Promise<void>; experimentId: string }> = [];
  beforeAll(async () => {
    for (const backend of BACKENDS) {
      const { ml, close } = await backend.open();
      opened.push({ ml, close, experimentId: await loadFixture(ml, 'property', RUNS) });
    }
  }, 60_000);
  afterAll(async () => {
    for (const o of opened) await o.close();
  });

  async function outcome(o: (typeof opened)[number], text: string): Promise<string[] | string> {
    try {
      const { runs } = await o.ml.tracking.searchRuns({ experimentIds: [o.experimentId], filter: text });
      return runs.map((r) => r.info.runName).sort();
    } catch (err) {
      return `error:${(err as { code?: string }).code}`;
    }
  }

  const orderTerm = fc.tuple(
    fc.constantFrom('metrics.auc', 'metrics.loss', 'metrics.sharpe', 'metrics.absent', 'params.lr', 'params.model', 'params.depth', 'tags.team', 'tags.note', 'attributes.start_time', 'attributes.end_time', 'attributes.run_name', 'attributes.status'),
    fc.constantFrom('', ' ASC', ' DESC', ' desc'),
  ).map(([f, d]) => `${f}${d}`);

  async function pages(o: (typeof opened)[number], filter: string, orderBy: string[], maxResults: number): Promise<string[] | string> {
    const names: string[] = [];
    let pageToken: string | undefined;
    try {
      do {
        const page = await o.ml.tracking.searchRuns({ experimentIds: [o.experimentId], filter, orderBy, maxResults, ...(pageToken ? { pageToken } : {}) });
        names.push(...page.runs.map((r) => r.info.runName));
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined && names.length <= RUNS.length);
      return names;
    } catch (err) {
      return `error:${(err as { code?: string }).code}:${(err as Error).message}`;
    }
  }

  // 3000 with estimates on both backends runs the driver plan on PostgreSQL too; 0 runs the others.
  for (const threshold of [3000, 0]) {
    it(`ordered, paged searches agree with the reference (selective threshold ${threshold})`, async () => {
      searchTuning.selectiveThreshold = threshold;
      searchTuning.estimateOnPostgres = threshold > 0;
      try {
        await fc.assert(
          fc.asyncProperty(fc.option(filter, { nil: '' }), fc.array(orderTerm, { maxLength: 2 }), fc.constantFrom(1, 3, 7, 50), async (text, orderBy, size) => {
            const [sqlite, postgres] = await Promise.all(opened.map((o) => pages(o, text, orderBy, size)));
            expect(sqlite, `${text} | ${orderBy.join(', ')} | ${size}`).toEqual(postgres);
            const expr = parseFilter(text, RUN_SEARCH_SCHEMA);
            const matching = RUNS.filter((r) => expr === undefined || evaluate(expr, r));
            expect(sqlite, `${text} | ${orderBy.join(', ')}`).toEqual(orderRuns(matching, orderBy).map((r) => r.name));
          }),
          { numRuns: 150 },
        );
      } finally {
        searchTuning.selectiveThreshold = 3000;
        searchTuning.estimateOnPostgres = false;
      }
    }, 120_000);
  }

  it('a generated filter gives the same runs everywhere', async () => {
    await fc.assert(
      fc.asyncProperty(filter, async (text) => {
        const [sqlite, postgres] = await Promise.all(opened.map((o) => outcome(o, text)));
        expect(sqlite, text).toEqual(postgres);
        const expr = parseFilter(text, RUN_SEARCH_SCHEMA) as FilterExpr;
        const expected = RUNS.filter((r) => evaluate(expr, r)).map((r) => r.name).sort();
        expect(sqlite, text).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('arbitrary text is rejected on both or gives the same runs on both', async () => {
    const pieces = fc.constantFrom('metrics.auc', 'params.lr', 'tags.team', '>', '=', '!=', "'x'", "'0.01'", '1', 'AND', 'OR', 'NOT', '(', ')', 'IN', 'LIKE', 'IS', 'NULL', ',', "'", '`', '"', ';', '--', '/*', '\\', 'é');
    const soup = fc.oneof(fc.string({ maxLength: 40 }), fc.array(pieces, { maxLength: 12 }).map((p) => p.join(' ')));
    await fc.assert(
      fc.asyncProperty(soup, async (text) => {
        const [sqlite, postgres] = await Promise.all(opened.map((o) => outcome(o, text)));
        expect(sqlite, text).toEqual(postgres);
        if (typeof sqlite === 'string') expect(sqlite).toBe('error:INVALID_ARGUMENT');
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
