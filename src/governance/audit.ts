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

  async query(q: AuditQuery = {}): Promise<AuditRecord[]> {
    this.authz.check(this.principal, 'read', { kind: 'audit' });
    return this.log.query(q);
  }
}
