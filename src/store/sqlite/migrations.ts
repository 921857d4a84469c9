import { LEDGER_SQLITE_RUNS_SCHEMA, LEDGER_SQLITE_SCHEMA } from '../../ledger/sqlite-ledger.ts';

/** Versioned schema of the embedded store. Append new migrations; never edit a released one. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
      CREATE TABLE organisations (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        country TEXT NOT NULL,
        rights_contact TEXT,
        leaf INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE notices (
        hash TEXT PRIMARY KEY,
        id TEXT NOT NULL,
        controller TEXT NOT NULL REFERENCES organisations(id),
        effective_from INTEGER NOT NULL,
        body TEXT NOT NULL,
        leaf INTEGER NOT NULL,
        UNIQUE (controller, id)
      ) STRICT;
      CREATE TABLE datasets (
        controller TEXT NOT NULL REFERENCES organisations(id),
        id TEXT NOT NULL,
        body TEXT NOT NULL,
        leaf INTEGER NOT NULL,
        PRIMARY KEY (controller, id)
      ) STRICT;
      CREATE TABLE agreements (
        id TEXT PRIMARY KEY,
        body TEXT NOT NULL,
        leaf INTEGER NOT NULL
      ) STRICT;
      -- Ordinals are dense (0..n-1) so the decision engine can use them as bit positions.
      CREATE TABLE subjects (
        ordinal INTEGER PRIMARY KEY,
        key BLOB NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX subjects_by_key ON subjects(key);
      -- Repeating values (organisation ids, notice hashes, lists, statuses) as small integer codes.
      CREATE TABLE dict (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        UNIQUE (kind, value)
      ) STRICT;
      CREATE TABLE consent_events (
        seq INTEGER PRIMARY KEY,
        controller INTEGER NOT NULL,
        event_id TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        purposes INTEGER NOT NULL,
        recipients INTEGER NOT NULL,
        status INTEGER NOT NULL,
        notice INTEGER,
        at INTEGER NOT NULL,
        expires_at INTEGER,
        method INTEGER,
        consent_type INTEGER NOT NULL,
        evidence TEXT,
        leaf INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX consent_events_by_id ON consent_events(controller, event_id);
      CREATE INDEX consent_events_by_subject ON consent_events(ordinal);
      CREATE TABLE objections (
        seq INTEGER PRIMARY KEY,
        controller TEXT NOT NULL,
        objection_id TEXT NOT NULL,
        ordinal INTEGER NOT NULL,
        scope TEXT NOT NULL,
        source TEXT NOT NULL,
        at INTEGER NOT NULL,
        leaf INTEGER NOT NULL,
        UNIQUE (controller, objection_id)
      ) STRICT;
      -- A committed transfer: the decision and, per subject, whether its records were allowed.
      CREATE TABLE transfers (
        id TEXT PRIMARY KEY,
        decided_at INTEGER NOT NULL,
        body TEXT NOT NULL,
        leaf INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE transfer_subjects (
        transfer TEXT NOT NULL REFERENCES transfers(id),
        ordinal INTEGER NOT NULL,
        allowed INTEGER NOT NULL,
        reasons INTEGER,
        PRIMARY KEY (transfer, ordinal)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX transfer_subjects_by_subject ON transfer_subjects(ordinal);
      -- A dataset a recipient built from others, with record-level lineage (which subjects went in).
      CREATE TABLE derivations (
        id TEXT PRIMARY KEY,
        controller TEXT NOT NULL REFERENCES organisations(id),
        body TEXT NOT NULL,
        leaf INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE derivation_subjects (
        derivation TEXT NOT NULL REFERENCES derivations(id),
        ordinal INTEGER NOT NULL,
        PRIMARY KEY (derivation, ordinal)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX derivation_subjects_by_subject ON derivation_subjects(ordinal);
      -- Rights requests, the notices passed to each downstream holder, and their acknowledgements.
      CREATE TABLE rights_requests (
        id TEXT PRIMARY KEY,
        ordinal INTEGER NOT NULL,
        controller TEXT NOT NULL,
        at INTEGER NOT NULL,
        body TEXT NOT NULL,
        leaf INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX rights_requests_by_subject ON rights_requests(ordinal);
      CREATE TABLE rights_notices (
        request TEXT NOT NULL REFERENCES rights_requests(id),
        holder TEXT NOT NULL,
        due INTEGER NOT NULL,
        PRIMARY KEY (request, holder)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX rights_notices_by_holder ON rights_notices(holder);
      CREATE TABLE rights_acks (
        request TEXT NOT NULL,
        holder TEXT NOT NULL,
        at INTEGER NOT NULL,
        leaf INTEGER NOT NULL,
        PRIMARY KEY (request, holder),
        FOREIGN KEY (request, holder) REFERENCES rights_notices(request, holder)
      ) STRICT, WITHOUT ROWID;
      -- API keys: only a hash of each secret is kept; the key is shown once when created.
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        organisation TEXT REFERENCES organisations(id),
        role TEXT NOT NULL,
        secret_hash BLOB NOT NULL UNIQUE,
        label TEXT,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      -- Responses to writes by idempotency key, so a retried request never adds a second event.
      CREATE TABLE idempotency (
        api_key TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        response TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (api_key, key)
      ) STRICT;
      CREATE TABLE import_runs (
        id INTEGER PRIMARY KEY,
        controller TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        total_rows INTEGER NOT NULL,
        committed_line INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        started_at INTEGER NOT NULL
      ) STRICT;
      ${LEDGER_SQLITE_SCHEMA}
    `,
  },
  {
    version: 2,
    name: 'transfer reports',
    sql: `
      -- Transfers organisations report as made (through the gateway or outside it), for audits.
      CREATE TABLE transfer_reports (
        id TEXT PRIMARY KEY,
        at INTEGER NOT NULL,
        body TEXT NOT NULL,
        leaf INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE transfer_report_subjects (
        report TEXT NOT NULL REFERENCES transfer_reports(id),
        ordinal INTEGER NOT NULL,
        PRIMARY KEY (report, ordinal)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX transfer_report_subjects_by_subject ON transfer_report_subjects(ordinal);
    `,
  },
  {
    version: 3,
    name: 'subject sets kept for proofs; transfers by subject from the index alone',
    sql: `
      -- A committed subject set (a transfer's requested or allowed subjects) cut into blocks of
      -- sorted keys, each with its group roots and its audit path to the set's root, so that one
      -- person's proof reads a block instead of rebuilding the tree (src/ledger/subject-set-blocks.ts).
      CREATE TABLE subject_sets (
        id TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        block_keys INTEGER NOT NULL,
        group_keys INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE subject_set_blocks (
        set_id TEXT NOT NULL REFERENCES subject_sets(id),
        first_key BLOB NOT NULL,
        block INTEGER NOT NULL,
        keys BLOB NOT NULL,
        group_roots BLOB NOT NULL,
        path BLOB NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX subject_set_blocks_by_key ON subject_set_blocks(set_id, first_key);
      -- A person's transfers, with whether their records went and why not, from the index alone:
      -- no lookup per transfer in a table of millions of links.
      CREATE INDEX transfer_subjects_by_subject_with_flags ON transfer_subjects(ordinal, transfer, allowed, reasons);
      DROP INDEX transfer_subjects_by_subject;
    `,
  },
  {
    version: 4,
    name: 'consent events append-only',
    sql: `
      -- A consent leaf's data is rebuilt from its event row (docs/ledger.md): the row is refused
      -- changes as the ledger's own rows are. A change of mind is a new event.
      CREATE TRIGGER consent_events_append_only_u BEFORE UPDATE ON consent_events
        BEGIN SELECT RAISE(ABORT, 'consent events are append-only: record a change as a new event'); END;
      CREATE TRIGGER consent_events_append_only_d BEFORE DELETE ON consent_events
        BEGIN SELECT RAISE(ABORT, 'consent events are append-only: record a change as a new event'); END;
    `,
  },
  {
    version: 5,
    name: 'leaves appended by hash kept in runs',
    sql: `
      -- A bulk load's leaves, whose data is rebuilt from the consent rows, as a row per run of
      -- up to 256 hashes (src/ledger/hashed-leaf-runs.ts). Leaves stored before stay where they are.
      ${LEDGER_SQLITE_RUNS_SCHEMA}
    `,
  },
  {
    version: 6,
    name: 'links name their transfer by number',
    sql: `
      -- A transfer of a million people has a million links: each names its transfer by a small
      -- number rather than repeating the 23-character id in the row and in both indexes.
      ALTER TABLE transfers ADD COLUMN num INTEGER;
      UPDATE transfers SET num = rowid;
      CREATE UNIQUE INDEX transfers_by_num ON transfers(num);
      CREATE TABLE transfer_links (
        transfer INTEGER NOT NULL,
        ordinal INTEGER NOT NULL,
        allowed INTEGER NOT NULL,
        reasons INTEGER,
        PRIMARY KEY (transfer, ordinal)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO transfer_links (transfer, ordinal, allowed, reasons)
        SELECT t.num, s.ordinal, s.allowed, s.reasons FROM transfer_subjects s JOIN transfers t ON t.id = s.transfer ORDER BY 1, 2;
      DROP TABLE transfer_subjects;
      ALTER TABLE transfer_links RENAME TO transfer_subjects;
      CREATE INDEX transfer_subjects_by_subject_with_flags ON transfer_subjects(ordinal, transfer, allowed, reasons);
    `,
  },
  {
    version: 7,
    name: 'a bulk load keeps its consent events in blocks',
    sql: `
      -- A row per run of about 256 consecutive events (src/store/consent-blocks.ts), each block's
      -- ids and ordinals above every earlier block's, so that one index entry finds an event.
      CREATE TABLE consent_event_blocks (
        first_seq INTEGER PRIMARY KEY,
        count INTEGER NOT NULL,
        controller INTEGER NOT NULL,
        first_id TEXT NOT NULL,
        last_id TEXT NOT NULL,
        min_ordinal INTEGER NOT NULL,
        max_ordinal INTEGER NOT NULL,
        body BLOB NOT NULL
      ) STRICT;
      CREATE INDEX consent_event_blocks_by_id ON consent_event_blocks(controller, first_id);
      CREATE INDEX consent_event_blocks_by_subject ON consent_event_blocks(min_ordinal);
      CREATE TRIGGER consent_event_blocks_append_only_u BEFORE UPDATE ON consent_event_blocks
        BEGIN SELECT RAISE(ABORT, 'consent events are append-only: record a change as a new event'); END;
      CREATE TRIGGER consent_event_blocks_append_only_d BEFORE DELETE ON consent_event_blocks
        BEGIN SELECT RAISE(ABORT, 'consent events are append-only: record a change as a new event'); END;
    `,
  },
  {
    version: 8,
    name: 'a transfer keeps its links in blocks',
    sql: `
      -- A row per transfer and bucket of 256 ordinals (src/store/link-blocks.ts) instead of a row
      -- per subject; links stored before stay in transfer_subjects, and both are read.
      CREATE TABLE transfer_link_blocks (
        transfer INTEGER NOT NULL,
        bucket INTEGER NOT NULL,
        body BLOB NOT NULL,
        PRIMARY KEY (bucket, transfer)
      ) STRICT;
      CREATE INDEX transfer_link_blocks_by_transfer ON transfer_link_blocks(transfer, bucket);
    `,
  },
  {
    version: 9,
    name: 'subjects found by key in a table in key order',
    sql: `
      -- Key → ordinal as a table in key order instead of an index on subjects: a bulk load
      -- appends its sorted keys to it, where an index would be rebuilt by SQLite's sorter at
      -- several times the cost (src/store/sqlite/sqlite-store.ts, #fileBulkKeys).
      CREATE TABLE subject_keys (
        key BLOB PRIMARY KEY,
        ordinal INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      INSERT INTO subject_keys (key, ordinal) SELECT key, ordinal FROM subjects ORDER BY key;
      DROP INDEX subjects_by_key;
    `,
  },
];
