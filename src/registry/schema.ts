import type { Migration } from '../adapters/sql/types.js';

export const REGISTRY_MODULE = 'registry';

/**
 * Registered models have a surrogate id so a rename never moves artifacts or history. Every registry
 * write bumps `registry_changes.seq`; other processes poll it to drop cached alias resolutions.
 */
export const registryMigrations: Migration[] = [
  {
    version: 1,
    name: 'models, versions, aliases, approvals',
    up: (d) => `
      CREATE TABLE registry_models (
        model_id ${d.autoId},
        name ${d.text} NOT NULL,
        description ${d.text} NOT NULL,
        created_by ${d.text} NOT NULL,
        creation_time ${d.bigint} NOT NULL,
        last_updated_time ${d.bigint} NOT NULL,
        CONSTRAINT registry_models_name UNIQUE (name)
      );
      CREATE TABLE registry_model_tags (
        model_id ${d.bigint} NOT NULL REFERENCES registry_models (model_id) ON DELETE CASCADE,
        key ${d.text} NOT NULL,
        value ${d.text} NOT NULL,
        PRIMARY KEY (model_id, key)
      );
      CREATE TABLE registry_versions (
        model_id ${d.bigint} NOT NULL REFERENCES registry_models (model_id) ON DELETE CASCADE,
        version ${d.bigint} NOT NULL,
        status ${d.text} NOT NULL,
        status_message ${d.text},
        source ${d.text} NOT NULL,
        run_id ${d.text},
        format ${d.text} NOT NULL,
        artifact_key ${d.text} NOT NULL,
        sha256 ${d.text} NOT NULL,
        size ${d.bigint} NOT NULL,
        signature_json ${d.text},
        description ${d.text} NOT NULL,
        created_by ${d.text} NOT NULL,
        creation_time ${d.bigint} NOT NULL,
        last_updated_time ${d.bigint} NOT NULL,
        approval ${d.text} NOT NULL,
        approval_requested_by ${d.text},
        PRIMARY KEY (model_id, version)
      );
      CREATE INDEX registry_versions_run ON registry_versions (run_id);
      CREATE TABLE registry_version_tags (
        model_id ${d.bigint} NOT NULL,
        version ${d.bigint} NOT NULL,
        key ${d.text} NOT NULL,
        value ${d.text} NOT NULL,
        PRIMARY KEY (model_id, version, key),
        FOREIGN KEY (model_id, version) REFERENCES registry_versions (model_id, version) ON DELETE CASCADE
      );
      CREATE TABLE registry_aliases (
        model_id ${d.bigint} NOT NULL,
        alias ${d.text} NOT NULL,
        version ${d.bigint} NOT NULL,
        PRIMARY KEY (model_id, alias),
        FOREIGN KEY (model_id, version) REFERENCES registry_versions (model_id, version)
      );
      CREATE TABLE registry_approvals (
        id ${d.autoId},
        model_id ${d.bigint} NOT NULL,
        version ${d.bigint} NOT NULL,
        from_state ${d.text} NOT NULL,
        to_state ${d.text} NOT NULL,
        actor ${d.text} NOT NULL,
        ts ${d.bigint} NOT NULL,
        reason ${d.text},
        FOREIGN KEY (model_id, version) REFERENCES registry_versions (model_id, version) ON DELETE CASCADE
      );
      CREATE INDEX registry_approvals_version ON registry_approvals (model_id, version, id);
      CREATE TABLE registry_changes (id INTEGER PRIMARY KEY, seq ${d.bigint} NOT NULL);
      INSERT INTO registry_changes (id, seq) VALUES (1, 0);
    `,
  },
];
