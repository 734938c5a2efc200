import { intOption, parse, positional, UsageError } from '../args.js';
import type { Command } from '../command.js';
import { isoTime, print, table } from '../output.js';
import { withRuntime } from '../runtime-options.js';

function viewType(v: string | undefined) {
  if (v === undefined) return undefined;
  const up = v.toUpperCase().replace(/-/g, '_');
  const named = up === 'ACTIVE' ? 'ACTIVE_ONLY' : up === 'DELETED' ? 'DELETED_ONLY' : up;
  if (named !== 'ACTIVE_ONLY' && named !== 'DELETED_ONLY' && named !== 'ALL') throw new UsageError(`--view must be active, deleted or all, got ${JSON.stringify(v)}`);
  return named;
}

export const experimentsList: Command = {
  name: 'experiments list',
  summary: 'List experiments',
  help: `mlops experiments list [--filter <expr>] [--view active|deleted|all] [--max <n>]`,
  async run(argv, o) {
    const p = parse(argv, { filter: { type: 'string' }, view: { type: 'string' }, max: { type: 'string' } });
    const view = viewType(p.values.view);
    const max = intOption(p.values.max, 'max');
    const r = await withRuntime(p, (ml) =>
      ml.tracking.searchExperiments({ ...(p.values.filter ? { filter: p.values.filter } : {}), ...(view ? { viewType: view } : {}), ...(max !== undefined ? { maxResults: max } : {}) }),
    );
    print(o, r.experiments, () => table(['ID', 'NAME', 'STAGE', 'CREATED'], r.experiments.map((e) => [e.experimentId, e.name, e.lifecycleStage, isoTime(e.creationTime)])));
  },
};

export const runsList: Command = {
  name: 'runs list',
  summary: 'Search the runs of an experiment',
  help: `mlops runs list --experiment <id or name> [--filter <expr>] [--order-by <expr>]... [--max <n>] [--page-token <token>]
  e.g. mlops runs list --experiment momentum --filter "metrics.auc > 0.8" --order-by "metrics.auc DESC"
  --max is the page size (default 100); when there are more runs, the next page's --page-token is printed on stderr`,
  async run(argv, o) {
    const p = parse(argv, { experiment: { type: 'string', short: 'e' }, filter: { type: 'string' }, 'order-by': { type: 'string', multiple: true }, max: { type: 'string' }, view: { type: 'string' }, 'page-token': { type: 'string' } });
    const exp = p.values.experiment;
    if (exp === undefined) throw new UsageError('missing --experiment <id or name>');
    const pageToken = p.values['page-token'];
    const max = intOption(p.values.max, 'max') ?? 100;
    const view = viewType(p.values.view);
    const r = await withRuntime(p, async (ml) => {
      const experimentId = /^\d+$/.test(exp) ? exp : (await ml.tracking.getExperimentByName(exp)).experimentId;
      return ml.tracking.searchRuns({
        experimentIds: [experimentId],
        maxResults: max,
        ...(p.values.filter ? { filter: p.values.filter } : {}),
        ...(p.values['order-by'] ? { orderBy: p.values['order-by'] } : {}),
        ...(view ? { viewType: view } : {}),
        ...(pageToken !== undefined ? { pageToken } : {}),
      });
    });
    const metricKeys = [...new Set(r.runs.flatMap((run) => Object.keys(run.data.metrics)))].sort().slice(0, 6);
    print(o, r, () =>
      table(
        ['RUN ID', 'NAME', 'STATUS', 'STARTED', ...metricKeys.map((k) => k.toUpperCase())],
        r.runs.map((run) => [run.info.runId, run.info.runName, run.info.status, isoTime(run.info.startTime), ...metricKeys.map((k) => run.data.metrics[k]?.toPrecision(6))]),
      ),
    );
    // A full page says nothing about what follows it: say that there is more, and how to get it.
    if (r.nextPageToken !== undefined && !o.json) o.err(`${r.runs.length} runs shown; more match. Next page: --page-token ${r.nextPageToken}`);
  },
};

export const runsShow: Command = {
  name: 'runs show',
  summary: 'Show one run: info, params, latest metrics, tags',
  help: `mlops runs show <run_id>`,
  async run(argv, o) {
    const p = parse(argv, {});
    const runId = positional(p, 0, 'run_id');
    const { run, models } = await withRuntime(p, async (ml) => {
      const found = await ml.tracking.getRun(runId);
      const links = await ml.tracking.getRunModels(runId);
      return { run: found, models: await Promise.all(links.outputs.map(async (l) => ({ ...(await ml.tracking.getLoggedModel(l.modelId)), step: l.step }))) };
    });
    print(o, { ...run, loggedModels: models }, () => {
      const i = run.info;
      const section = (title: string, rec: Record<string, unknown>) =>
        Object.keys(rec).length === 0 ? '' : `\n${title}\n${table(['KEY', 'VALUE'], Object.entries(rec).sort(([a], [b]) => a.localeCompare(b)))}\n`;
      return (
        `Run ${i.runId} (${i.runName})\n` +
        table(['FIELD', 'VALUE'], [['experiment', i.experimentId], ['status', i.status], ['user', i.userId], ['started', isoTime(i.startTime)], ['ended', isoTime(i.endTime)], ['stage', i.lifecycleStage], ['artifacts', i.artifactUri]]) +
        '\n' +
        section('Params', run.data.params) +
        section('Metrics (latest)', run.data.metrics) +
        section('Tags', run.data.tags) +
        (models.length === 0 ? '' : `\nModels logged by this run\n${table(['MODEL ID', 'NAME', 'STATUS', 'STEP'], models.map((m) => [m.modelId, m.name, m.status, m.step]))}\n`)
      ).trimEnd();
    });
  },
};


export const modelsLogged: Command = {
  name: 'models logged',
  summary: 'Search the logged models (MLflow 3) of an experiment',
  help: `mlops models logged --experiment <id or name> [--filter <expr>] [--max <n>]
  e.g. mlops models logged --experiment momentum --filter "name = 'sig'"`,
  async run(argv, o) {
    const p = parse(argv, { experiment: { type: 'string', short: 'e' }, filter: { type: 'string' }, max: { type: 'string' } });
    const exp = p.values.experiment;
    if (exp === undefined) throw new UsageError('Invalid --experiment: give an experiment id or name');
    const max = intOption(p.values.max, 'max') ?? 100;
    const r = await withRuntime(p, async (ml) => {
      const experimentId = /^\d+$/.test(exp) ? exp : (await ml.tracking.getExperimentByName(exp)).experimentId;
      return ml.tracking.searchLoggedModels({ experimentIds: [experimentId], maxResults: max, ...(p.values.filter ? { filter: p.values.filter } : {}) });
    });
    print(o, r, () => table(['MODEL ID', 'NAME', 'STATUS', 'RUN', 'CREATED'], r.models.map((m) => [m.modelId, m.name, m.status, m.sourceRunId ?? '', isoTime(m.creationTime)])));
  },
};
