import { replayAliasRecords, type AliasReplay } from './alias-replay.js';
import type { AuditLog, AuditQuery, AuditRecord, AuditVerification } from './audit-log.js';
import type { Principal } from './principal.js';
import type { Authorizer } from './rbac.js';

/** `ml.audit`: read and verify the hash-chained audit log (needs read on `audit`). */
export class Audit {
  constructor(
    private readonly log: AuditLog,
    private readonly principal: Principal,
    private readonly authz: Authorizer,
  ) {}

  /** Walks the chain; names the first record whose hash, link or sequence is wrong. */
  async verify(): Promise<AuditVerification> {
    this.authz.check(this.principal, 'read', { kind: 'audit' });
    return this.log.verify();
  }

  /**
   * Replays every alias record from the start and checks that each one's old version is the version
   * the log set just before it (the hash chain proves the records are untouched, this that they are right).
   */
  async verifyAliases(): Promise<AliasReplay> {
    this.authz.check(this.principal, 'read', { kind: 'audit' });
    const records: AuditRecord[] = [];
    for (let afterSeq = 0; ; ) {
      const page = await this.log.query({ afterSeq, limit: 10_000 });
      records.push(...page.filter((r) => r.action.startsWith('alias.') || r.action.startsWith('registered_model.')));
      if (page.length < 10_000) break;
      afterSeq = (page[page.length - 1] as AuditRecord).seq;
    }
    return replayAliasRecords(records);
  }

  async query(q: AuditQuery = {}): Promise<AuditRecord[]> {
    this.authz.check(this.principal, 'read', { kind: 'audit' });
    return this.log.query(q);
  }
}
