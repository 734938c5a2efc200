import type { Migration } from '../adapters/sql/types.js';

export const CONTROLS_MODULE = 'controls';

/**
 * Trading controls. `controls_halts` holds the halts in force (one row per target; history lives in
 * the audit log); `controls_changes.seq` is bumped by every controls write, so other processes can
 * poll one tiny row and reload only when it moved. Guards stored with a version, and approval
 * policies, are keyed by model name and version as the registry spells them.
 */
export const controlsMigrations: Migration[] = [
  {
    version: 1,
    name: 'halts, guards, approval policies',
    up: (d) => `
      CREATE TABLE controls_halts (
        target ${d.text} PRIMARY KEY,
        model ${d.text},
        route ${d.text},
        halted_by ${d.text} NOT NULL,
        reason ${d.text} NOT NULL,
        ts ${d.bigint} NOT NULL
      );
      CREATE TABLE controls_changes (id INTEGER PRIMARY KEY, seq ${d.bigint} NOT NULL);
      INSERT INTO controls_changes (id, seq) VALUES (1, 0);
      CREATE TABLE controls_version_guards (
        model ${d.text} NOT NULL,
        version ${d.bigint} NOT NULL,
        guards_json ${d.text} NOT NULL,
        PRIMARY KEY (model, version)
      );
      CREATE TABLE controls_policies (
        model ${d.text} PRIMARY KEY,
        policy_json ${d.text} NOT NULL,
        set_by ${d.text} NOT NULL,
        ts ${d.bigint} NOT NULL
      );
    `,
  },
];
