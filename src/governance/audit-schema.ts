import type { Migration } from '../adapters/sql/types.js';

export const GOVERNANCE_MODULE = 'governance';
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The audit chain and its head. The head row is the lock every writer takes (FOR UPDATE on
 * PostgreSQL; SQLite's write lock), so records from any number of processes form one chain.
 */
export const governanceMigrations: Migration[] = [
  {
    version: 1,
    name: 'audit log',
    up: (d) => `
      CREATE TABLE governance_audit (
        seq ${d.bigint} PRIMARY KEY,
        ts ${d.bigint} NOT NULL,
        actor ${d.text} NOT NULL,
        action ${d.text} NOT NULL,
        resource_kind ${d.text} NOT NULL,
        resource ${d.text} NOT NULL,
        before_digest ${d.text},
        after_digest ${d.text},
        reason ${d.text},
        details_json ${d.text},
        prev_hash ${d.text} NOT NULL,
        hash ${d.text} NOT NULL
      );
      CREATE INDEX governance_audit_resource ON governance_audit (resource_kind, resource, seq);
      CREATE INDEX governance_audit_actor ON governance_audit (actor, seq);
      CREATE INDEX governance_audit_ts ON governance_audit (ts);
      CREATE TABLE governance_audit_head (
        id INTEGER PRIMARY KEY,
        seq ${d.bigint} NOT NULL,
        hash ${d.text} NOT NULL
      );
      INSERT INTO governance_audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
    `,
  },
];
