import type { ControlsView } from './engine-view.js';

/** One row of the model inventory (RTS 6 Art. 9 self-assessment, SR 26-2 model inventory). */
export interface InventoryRow {
  model: string;
  version: number;
  status: string;
  approval: string;
  aliases: string[];
  /** Who registered the version. */
  owner: string;
  lastApprovedBy: string | null;
  lastApprovedAt: number | null;
  /** Last decision by a reviewer (approve, reject, revoke), in ms; null when never reviewed. */
  lastReviewAt: number | null;
  halted: boolean;
}

export async function buildInventory(engine: ControlsView): Promise<InventoryRow[]> {
  const registry = engine.deps.registry;
  const rows: InventoryRow[] = [];
  let pageToken: string | undefined;
  do {
    const page = await registry.versions.search({ orderBy: ['name ASC', 'version ASC'], maxResults: 1000, ...(pageToken !== undefined ? { pageToken } : {}) });
    for (const v of page.modelVersions) {
      const history = await registry.approvals.history(v.name, v.version);
      const approved = history.filter((h) => h.to === 'approved').pop();
      const reviewed = history.filter((h) => h.from === 'pending_approval' || h.to === 'revoked').pop();
      rows.push({
        model: v.name,
        version: v.version,
        status: v.status,
        approval: v.approval,
        aliases: v.aliases,
        owner: v.createdBy,
        lastApprovedBy: approved?.actor ?? null,
        lastApprovedAt: approved?.ts ?? null,
        lastReviewAt: reviewed?.ts ?? null,
        halted: v.aliases.length > 0 ? v.aliases.some((a) => engine.board.match(v.name, a) !== undefined) : engine.board.match(v.name, undefined) !== undefined,
      });
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  return rows;
}

/** CSV with a header; cells quoted when they hold a comma, quote or newline. */
export function inventoryCsv(rows: InventoryRow[]): string {
  const headers = ['model', 'version', 'status', 'approval', 'aliases', 'owner', 'last_approved_by', 'last_approved_at', 'last_review_at', 'halted'];
  const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());
  const quote = (v: unknown) => {
    const s = String(v ?? '');
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = rows.map((r) => [r.model, r.version, r.status, r.approval, r.aliases.join(' '), r.owner, r.lastApprovedBy ?? '', iso(r.lastApprovedAt), iso(r.lastReviewAt), r.halted].map(quote).join(','));
  return [headers.join(','), ...lines].join('\n');
}
