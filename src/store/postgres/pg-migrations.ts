/**
 * Versioned schema of the PostgreSQL store: the same tables as SQLite's (see
 * ../sqlite/migrations.ts), in PostgreSQL's types. Append new migrations; never edit a released one.
 */
import type { Migration } from '../sqlite/migrations.ts';

export const PG_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
      CREATE TABLE organisations (
        id text PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL,
        country text NOT NULL,
        rights_contact text,
        leaf bigint NOT NULL
      );
      CREATE TABLE notices (
        hash text PRIMARY KEY,
        id text NOT NULL,
        controller text NOT NULL REFERENCES organisations(id),
        effective_from bigint NOT NULL,
        body text NOT NULL,
        leaf bigint NOT NULL,
        UNIQUE (controller, id)
      );
      CREATE TABLE datasets (
        controller text NOT NULL REFERENCES organisations(id),
        id text NOT NULL,
        body text NOT NULL,
        leaf bigint NOT NULL,
        PRIMARY KEY (controller, id)
      );
      CREATE TABLE agreements (
        id text PRIMARY KEY,
        body text NOT NULL,
        leaf bigint NOT NULL
      );
      -- Dense ordinals (0..n-1): the decision engine uses them as bit positions.
      CREATE TABLE subjects (
        ordinal integer PRIMARY KEY,
        key bytea NOT NULL
      );
      CREATE UNIQUE INDEX subjects_by_key ON subjects(key);
      CREATE TABLE dict (
        id integer PRIMARY KEY,
        kind text NOT NULL,
        value text NOT NULL,
        UNIQUE (kind, value)
      );
      CREATE TABLE consent_events (
        seq bigint PRIMARY KEY,
        controller integer NOT NULL,
        event_id text NOT NULL,
        ordinal integer NOT NULL,
        purposes integer NOT NULL,
        recipients integer NOT NULL,
        status integer NOT NULL,
        notice integer,
        at bigint NOT NULL,
        expires_at bigint,
        method integer,
        consent_type integer NOT NULL,
        evidence text,
        leaf bigint NOT NULL
      );
      CREATE UNIQUE INDEX consent_events_by_id ON consent_events(controller, event_id);
      CREATE INDEX consent_events_by_subject ON consent_events(ordinal);
      CREATE TABLE objections (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        controller text NOT NULL,
        objection_id text NOT NULL,
        ordinal integer NOT NULL,
        scope text NOT NULL,
        source text NOT NULL,
        at bigint NOT NULL,
        leaf bigint NOT NULL,
        UNIQUE (controller, objection_id)
      );
      CREATE INDEX objections_by_subject ON objections(ordinal);
      CREATE TABLE transfers (
        id text PRIMARY KEY,
        decided_at bigint NOT NULL,
        body text NOT NULL,
        leaf bigint NOT NULL
      );
      CREATE TABLE transfer_subjects (
        transfer text NOT NULL REFERENCES transfers(id),
        ordinal integer NOT NULL,
        allowed smallint NOT NULL,
        reasons integer,
        PRIMARY KEY (transfer, ordinal)
      );
      CREATE INDEX transfer_subjects_by_subject ON transfer_subjects(ordinal);
      CREATE TABLE derivations (
        id text PRIMARY KEY,
        controller text NOT NULL REFERENCES organisations(id),
        body text NOT NULL,
        leaf bigint NOT NULL
      );
      CREATE TABLE derivation_subjects (
        derivation text NOT NULL REFERENCES derivations(id),
        ordinal integer NOT NULL,
        PRIMARY KEY (derivation, ordinal)
      );
      CREATE INDEX derivation_subjects_by_subject ON derivation_subjects(ordinal);
      CREATE TABLE rights_requests (
        id text PRIMARY KEY,
        ordinal integer NOT NULL,
        controller text NOT NULL,
        at bigint NOT NULL,
        body text NOT NULL,
        leaf bigint NOT NULL
      );
      CREATE INDEX rights_requests_by_subject ON rights_requests(ordinal);
      CREATE TABLE rights_notices (
        request text NOT NULL REFERENCES rights_requests(id),
        holder text NOT NULL,
        due bigint NOT NULL,
        PRIMARY KEY (request, holder)
      );
      CREATE INDEX rights_notices_by_holder ON rights_notices(holder);
      CREATE TABLE rights_acks (
        request text NOT NULL,
        holder text NOT NULL,
        at bigint NOT NULL,
        leaf bigint NOT NULL,
        PRIMARY KEY (request, holder),
        FOREIGN KEY (request, holder) REFERENCES rights_notices(request, holder)
      );
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        organisation text REFERENCES organisations(id),
        role text NOT NULL,
        secret_hash bytea NOT NULL UNIQUE,
        label text,
        created_at bigint NOT NULL,
        revoked_at bigint
      );
      CREATE TABLE idempotency (
        api_key text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status integer NOT NULL,
        response text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (api_key, key)
      );
      CREATE TABLE import_runs (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        controller text NOT NULL,
        file_sha256 text NOT NULL,
        total_rows integer NOT NULL,
        committed_line integer NOT NULL DEFAULT 0,
        state text NOT NULL,
        started_at bigint NOT NULL
      );
      CREATE TABLE ledger_leaves (
        idx bigint PRIMARY KEY,
        data bytea NOT NULL,
        hash bytea NOT NULL
      );
      CREATE TABLE ledger_nodes (
        level integer NOT NULL,
        idx bigint NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (level, idx)
      );
      CREATE TABLE ledger_frontier (
        id integer PRIMARY KEY CHECK (id = 0),
        size bigint NOT NULL,
        hashes bytea NOT NULL
      );
      CREATE TABLE ledger_tree_heads (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        size bigint NOT NULL,
        root bytea NOT NULL,
        at bigint NOT NULL,
        note text NOT NULL
      );
      CREATE TABLE ledger_cosignatures (
        tree_head integer NOT NULL REFERENCES ledger_tree_heads(id),
        witness text NOT NULL,
        line text NOT NULL,
        at bigint NOT NULL,
        PRIMARY KEY (tree_head, witness)
      );
      CREATE FUNCTION consentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
      CREATE TRIGGER ledger_leaves_append_only BEFORE UPDATE OR DELETE ON ledger_leaves
        FOR EACH ROW EXECUTE FUNCTION consentry_append_only();
      CREATE TRIGGER ledger_leaves_no_truncate BEFORE TRUNCATE ON ledger_leaves
        FOR EACH STATEMENT EXECUTE FUNCTION consentry_append_only();
      CREATE TRIGGER ledger_tree_heads_append_only BEFORE UPDATE OR DELETE ON ledger_tree_heads
        FOR EACH ROW EXECUTE FUNCTION consentry_append_only();
    `,
  },
  {
    version: 2,
    name: 'transfer reports',
    sql: `
      CREATE TABLE transfer_reports (
        id text PRIMARY KEY,
        at bigint NOT NULL,
        body text NOT NULL,
        leaf bigint NOT NULL
      );
      CREATE TABLE transfer_report_subjects (
        report text NOT NULL REFERENCES transfer_reports(id),
        ordinal integer NOT NULL,
        PRIMARY KEY (report, ordinal)
      );
      CREATE INDEX transfer_report_subjects_by_subject ON transfer_report_subjects(ordinal);
    `,
  },
  {
    version: 3,
    name: 'subject links without per-row foreign key checks',
    sql: `
      -- A million links are written in the transaction that writes their parent row, so the
      -- parent exists by construction; the per-row check cost more than the rest of the COPY.
      ALTER TABLE transfer_subjects DROP CONSTRAINT transfer_subjects_transfer_fkey;
      ALTER TABLE derivation_subjects DROP CONSTRAINT derivation_subjects_derivation_fkey;
      ALTER TABLE transfer_report_subjects DROP CONSTRAINT transfer_report_subjects_report_fkey;
    `,
  },
  {
    version: 4,
    name: 'subject sets kept for proofs; transfers by subject from the index alone',
    sql: `
      -- A committed subject set cut into blocks of sorted keys, each with its group roots and its
      -- audit path to the set's root (src/ledger/subject-set-blocks.ts).
      CREATE TABLE subject_sets (
        id text PRIMARY KEY,
        size integer NOT NULL,
        block_keys integer NOT NULL,
        group_keys integer NOT NULL
      );
      CREATE TABLE subject_set_blocks (
        set_id text NOT NULL REFERENCES subject_sets(id),
        first_key bytea NOT NULL,
        block integer NOT NULL,
        keys bytea NOT NULL,
        group_roots bytea NOT NULL,
        path bytea NOT NULL,
        PRIMARY KEY (set_id, first_key)
      );
      -- A person's transfers with their flags from the index (an index-only scan once vacuumed).
      CREATE INDEX transfer_subjects_by_subject_with_flags ON transfer_subjects(ordinal) INCLUDE (transfer, allowed, reasons);
      DROP INDEX transfer_subjects_by_subject;
    `,
  },
  {
    version: 5,
    name: 'consent events append-only',
    sql: `
      -- A consent leaf's data is rebuilt from its event row (docs/ledger.md): the row is refused
      -- changes as the ledger's own rows are. A change of mind is a new event.
      CREATE TRIGGER consent_events_append_only BEFORE UPDATE OR DELETE ON consent_events
        FOR EACH ROW EXECUTE FUNCTION consentry_append_only();
      CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events
        FOR EACH STATEMENT EXECUTE FUNCTION consentry_append_only();
    `,
  },
  {
    version: 6,
    name: 'leaves appended by hash kept in runs',
    sql: `
      -- A bulk load's leaves, whose data is rebuilt from the consent rows, as a row per run of
      -- up to 256 hashes (src/ledger/hashed-leaf-runs.ts). Leaves stored before stay where they are.
      CREATE TABLE ledger_hashed_leaves (
        first bigint PRIMARY KEY,
        hashes bytea NOT NULL
      );
      -- Hashes do not compress; stored uncompressed, one leaf's hash is read without the rest.
      ALTER TABLE ledger_hashed_leaves ALTER COLUMN hashes SET STORAGE EXTERNAL;
      CREATE TRIGGER ledger_hashed_leaves_append_only BEFORE UPDATE OR DELETE ON ledger_hashed_leaves
        FOR EACH ROW EXECUTE FUNCTION consentry_append_only();
      CREATE TRIGGER ledger_hashed_leaves_no_truncate BEFORE TRUNCATE ON ledger_hashed_leaves
        FOR EACH STATEMENT EXECUTE FUNCTION consentry_append_only();
    `,
  },
  {
    version: 7,
    name: 'links name their transfer by number',
    sql: `
      -- A transfer of a million people has a million links: each names its transfer by a small
      -- number rather than repeating the 23-character id in the row and in both indexes.
      ALTER TABLE transfers ADD COLUMN num integer;
      UPDATE transfers SET num = n.num FROM (SELECT id, row_number() OVER (ORDER BY decided_at, id COLLATE "C") AS num FROM transfers) n WHERE n.id = transfers.id;
      ALTER TABLE transfers ALTER COLUMN num SET NOT NULL;
      CREATE UNIQUE INDEX transfers_by_num ON transfers(num);
      CREATE TABLE transfer_links (
        transfer integer NOT NULL,
        ordinal integer NOT NULL,
        allowed smallint NOT NULL,
        reasons integer,
        CONSTRAINT transfer_subjects_num_pkey PRIMARY KEY (transfer, ordinal)
      );
      INSERT INTO transfer_links (transfer, ordinal, allowed, reasons)
        SELECT t.num, s.ordinal, s.allowed, s.reasons FROM transfer_subjects s JOIN transfers t ON t.id = s.transfer ORDER BY 1, 2;
      DROP TABLE transfer_subjects;
      ALTER TABLE transfer_links RENAME TO transfer_subjects;
      CREATE INDEX transfer_subjects_by_subject_with_flags ON transfer_subjects(ordinal) INCLUDE (transfer, allowed, reasons);
    `,
  },
  {
    version: 8,
    name: 'a bulk load keeps its consent events in blocks',
    sql: `
      -- A row per run of about 256 consecutive events (src/store/consent-blocks.ts), each block's
      -- ids and ordinals above every earlier block's, so that one index entry finds an event.
      -- Ids compare in the "C" collation: UTF-8 byte order, as the blocks are cut.
      CREATE TABLE consent_event_blocks (
        first_seq bigint PRIMARY KEY,
        count integer NOT NULL,
        controller integer NOT NULL,
        first_id text COLLATE "C" NOT NULL,
        last_id text COLLATE "C" NOT NULL,
        min_ordinal integer NOT NULL,
        max_ordinal integer NOT NULL,
        body bytea NOT NULL
      );
      -- Numbers and short ids that compress little: stored as they are, read without inflating.
      ALTER TABLE consent_event_blocks ALTER COLUMN body SET STORAGE EXTERNAL;
      CREATE INDEX consent_event_blocks_by_id ON consent_event_blocks(controller, first_id);
      CREATE INDEX consent_event_blocks_by_subject ON consent_event_blocks(min_ordinal);
      CREATE TRIGGER consent_event_blocks_append_only BEFORE UPDATE OR DELETE ON consent_event_blocks
        FOR EACH ROW EXECUTE FUNCTION consentry_append_only();
      CREATE TRIGGER consent_event_blocks_no_truncate BEFORE TRUNCATE ON consent_event_blocks
        FOR EACH STATEMENT EXECUTE FUNCTION consentry_append_only();
    `,
  },
  {
    version: 9,
    name: 'a transfer keeps its links in blocks',
    sql: `
      -- A row per transfer and bucket of 256 ordinals (src/store/link-blocks.ts) instead of a row
      -- per subject; links stored before stay in transfer_subjects, and both are read.
      CREATE TABLE transfer_link_blocks (
        transfer integer NOT NULL,
        bucket integer NOT NULL,
        body bytea NOT NULL,
        PRIMARY KEY (bucket, transfer)
      );
      CREATE INDEX transfer_link_blocks_by_transfer ON transfer_link_blocks(transfer, bucket);
    `,
  },
];
