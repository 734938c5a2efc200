import type { ModelVersion } from '../../registry/types.js';
import { intOption, parse, positional } from '../args.js';
import type { Command } from '../command.js';
import { isoTime, print, table } from '../output.js';
import { withRuntime } from '../runtime-options.js';

function versionRows(vs: ModelVersion[]) {
  return table(
    ['NAME', 'VERSION', 'APPROVAL', 'ALIASES', 'SHA256', 'CREATED BY', 'CREATED'],
    vs.map((v) => [v.name, v.version, v.approval, v.aliases.join(','), v.sha256.slice(0, 12), v.createdBy, isoTime(v.creationTime)]),
  );
}

function versionArg(p: Parameters<typeof positional>[0], index: number): number {
  return intOption(positional(p, index, 'version'), 'version') as number;
}

export const modelsList: Command = {
  name: 'models list',
  summary: 'List registered models with their aliases',
  help: 'mlops models list [--filter <expr>]',
  async run(argv, o) {
    const p = parse(argv, { filter: { type: 'string' } });
    const r = await withRuntime(p, (ml) => ml.registry.searchRegisteredModels(p.values.filter ? { filter: p.values.filter } : {}));
    print(o, r.registeredModels, () =>
      table(
        ['NAME', 'LATEST', 'ALIASES', 'UPDATED'],
        r.registeredModels.map((m) => [m.name, m.latestVersion ?? '', Object.entries(m.aliases).map(([a, v]) => `${a}=${v}`).join(','), isoTime(m.lastUpdatedTime)]),
      ),
    );
  },
};

export const modelsVersions: Command = {
  name: 'models versions',
  summary: 'List the versions of a model with approval state and aliases',
  help: 'mlops models versions <name>',
  async run(argv, o) {
    const p = parse(argv, {});
    const name = positional(p, 0, 'name');
    const r = await withRuntime(p, async (ml) => {
      // A search for a model that does not exist finds no versions; that is a mistake, not an empty list.
      await ml.registry.getRegisteredModel(name);
      return ml.registry.searchModelVersions({ filter: `name = '${name.replace(/'/g, "\\'")}'`, orderBy: ['version ASC'] });
    });
    print(o, r.modelVersions, () => versionRows(r.modelVersions));
  },
};

function transition(verb: 'request-approval' | 'approve' | 'reject' | 'revoke', summary: string): Command {
  const needsReason = verb === 'reject' || verb === 'revoke';
  return {
    name: `models ${verb}`,
    summary,
    help: `mlops models ${verb} <name> <version> ${needsReason ? '--reason <text>' : '[--reason <text>]'}`,
    async run(argv, o) {
      const p = parse(argv, { reason: { type: 'string' } });
      const name = positional(p, 0, 'name');
      const version = versionArg(p, 1);
      const reason = p.values.reason;
      const v = await withRuntime(p, (ml) => {
        if (verb === 'request-approval') return ml.registry.requestApproval(name, version, reason !== undefined ? { reason } : {});
        if (verb === 'approve') return ml.registry.approve(name, version, reason !== undefined ? { reason } : {});
        if (verb === 'reject') return ml.registry.reject(name, version, { reason: reason ?? '' });
        return ml.registry.revoke(name, version, { reason: reason ?? '' });
      });
      print(o, v, () => `${v.name}/${v.version} is now ${v.approval}`);
    },
  };
}

export const modelsRequestApproval = transition('request-approval', 'Ask reviewers to approve a version');
export const modelsApprove = transition('approve', 'Approve a version (not the one who asked: four eyes)');
export const modelsReject = transition('reject', 'Reject a version awaiting approval');
export const modelsRevoke = transition('revoke', 'Withdraw an approval (serving falls back)');

export const modelsAlias: Command = {
  name: 'models alias',
  summary: 'Point an alias at an approved version, or remove it with --delete',
  help: 'mlops models alias <name> <alias> <version>\nmlops models alias <name> <alias> --delete',
  async run(argv, o) {
    const p = parse(argv, { delete: { type: 'boolean' } });
    const name = positional(p, 0, 'name');
    const alias = positional(p, 1, 'alias');
    if (p.values.delete) {
      await withRuntime(p, (ml) => ml.registry.deleteAlias(name, alias));
      print(o, { name, alias, deleted: true }, () => `${name}@${alias} removed`);
      return;
    }
    const version = versionArg(p, 2);
    const v = await withRuntime(p, (ml) => ml.registry.setAlias(name, alias, version));
    print(o, v, () => `${name}@${alias} -> version ${v.version}`);
  },
};
