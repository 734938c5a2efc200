import type { EvidencePack } from './evidence.js';

function iso(ms: number | null): string {
  return ms === null ? 'now' : new Date(ms).toISOString();
}

function cell(v: unknown): string {
  return String(v ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function tableOf(headers: string[], rows: unknown[][]): string {
  if (rows.length === 0) return '_none_\n';
  return [`| ${headers.join(' | ')} |`, `| ${headers.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n') + '\n';
}

/** The evidence pack as a Markdown model card (`mlops models evidence --format md`). */
export function evidenceMarkdown(p: EvidencePack): string {
  const a = p.artifact;
  const sections = [
    `# Model card: ${p.model.name} version ${a.version}\n\nGenerated ${iso(p.generatedAt)}. ${p.model.description}\n\n${p.summary.map((s) => `- ${s}`).join('\n')}\n`,
    `## Artifact\n\n${tableOf(['field', 'value'], [['sha256', a.sha256], ['size', a.size], ['format', a.format], ['source', a.source], ['status', a.status], ['registered by', a.createdBy], ['registered at', iso(a.creationTime)]])}\n` +
      `Inputs:\n\n${tableOf(['name', 'type', 'shape', 'columns'], (a.signature?.inputs ?? []).map((i) => [i.name, i.elementType, JSON.stringify(i.shape), (i.columns ?? []).join(', ')]))}\n` +
      `Outputs:\n\n${tableOf(['name', 'type', 'shape'], (a.signature?.outputs ?? []).map((o) => [o.name, o.elementType, JSON.stringify(o.shape)]))}`,
    `## Lineage\n\nRun: ${p.lineage.runId ?? 'none'}${p.lineage.run ? ` (${p.lineage.run.runName}, ${p.lineage.run.status}, by ${p.lineage.run.userId})` : ''}\n\n` +
      `Parameters:\n\n${tableOf(['key', 'value'], Object.entries(p.lineage.params))}\nFinal metrics:\n\n${tableOf(['key', 'value'], Object.entries(p.lineage.metrics))}\n` +
      `Datasets:\n\n${tableOf(['name', 'digest', 'source type', 'source', 'context'], p.lineage.datasets.map((d) => [d.name, d.digest, d.sourceType, d.source, d.context]))}\n` +
      `Feature views:\n\n${tableOf(['view', 'version', 'features'], p.lineage.featureViews.map((f) => [f.view, f.version, f.features.join(', ')]))}`,
    `## Approval\n\nState: **${p.approval.state}**. Policy: ${p.approval.policy === null ? 'none' : `set by ${p.approval.policy.setBy} at ${iso(p.approval.policy.ts)}, digest ${p.approval.policy.digest}`}\n\n` +
      (p.approval.policy === null ? '' : `${p.approval.policy.requires.map((r) => `- \`${JSON.stringify(r)}\``).join('\n')}\n\n`) +
      tableOf(['from', 'to', 'actor', 'at', 'reason'], p.approval.transitions.map((t) => [t.from, t.to, t.actor, iso(t.ts), t.reason])),
    `## Aliases (what was live when)\n\nNow: ${p.aliases.current.join(', ') || 'none'}\n\n${tableOf(
      ['alias', 'from', 'to', 'set by', 'reason'],
      Object.entries(p.aliases.history).flatMap(([alias, ps]) => ps.map((x) => [alias, iso(x.from), iso(x.to), x.actor, x.reason])),
    )}`,
    `## Kill switch\n\n${tableOf(['action', 'target', 'actor', 'at', 'reason', 'audit seq'], p.halts.map((h) => [h.action, h.target, h.actor, iso(h.ts), h.reason, h.seq]))}`,
    `## Output guards\n\n${p.guards === null ? '_none stored with the version_\n' : `On violation: ${p.guards.onViolation}\n\n${tableOf(['output', 'min', 'max', 'finite', 'maxAbsChange'], Object.entries(p.guards.guards).map(([o, g]) => [o, g.min, g.max, g.finite, g.maxAbsChange]))}`}`,
    `## Drift\n\nReference profile: ${p.drift.referenceProfile === null ? 'none stored' : `${p.drift.referenceProfile.columns.join(', ')} (created ${iso(p.drift.referenceProfile.createdAt)})`}\n`,
    `## Audit records\n\nChain: ${p.audit.chain.ok ? 'intact' : `BROKEN at ${p.audit.chain.firstBrokenSeq}`}, ${p.audit.chain.checked} records checked, head ${p.audit.chain.headSeq} ${p.audit.chain.headHash}\n\n` +
      tableOf(['seq', 'at', 'actor', 'action', 'reason', 'hash'], p.audit.records.map((r) => [r.seq, iso(r.ts), r.actor, r.action, r.reason, r.hash])),
  ];
  return sections.join('\n');
}
