"""The store's schema, as migration steps for each engine; step N brings the database to version N.

Both engines have the same tables, columns and versions (tests/unit/store checks that); only the
types differ where PostgreSQL's would be wider or SQLite has no equivalent. Times are ISO 8601 UTC
text on both, which sorts. Append new steps at the end of both lists; never edit a released one
(existing databases already ran it).
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: jobs and their events. Structured values (server, request, handle, files, actual span) are
    # JSON text: they are read whole and never queried inside. Times are ISO 8601 UTC text, which sorts.
    """
    CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        created      TEXT NOT NULL,
        updated      TEXT NOT NULL,
        state        TEXT NOT NULL,
        server       TEXT NOT NULL,
        camera_id    TEXT NOT NULL,
        camera_name  TEXT NOT NULL DEFAULT '',
        request      TEXT NOT NULL,
        handle       TEXT,
        progress     REAL NOT NULL DEFAULT 0,
        bytes_done   INTEGER NOT NULL DEFAULT 0,
        bytes_total  INTEGER,
        error        TEXT NOT NULL DEFAULT '',
        out_dir      TEXT NOT NULL,
        evidence_dir TEXT,
        case_name    TEXT,
        operator     TEXT,
        files        TEXT NOT NULL DEFAULT '[]',
        manifest     TEXT,
        server_path  TEXT,
        actual       TEXT,
        owner        TEXT NOT NULL DEFAULT '',
        lease_until  REAL
    );
    CREATE INDEX jobs_state ON jobs (state);
    CREATE TABLE events (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        time    TEXT NOT NULL,
        state   TEXT NOT NULL,
        detail  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX events_job ON events (job_id, seq);
    """,
    # 2: cases, and what the supervisor board shows of each job: the workstation that queued it, the
    # server's clock offset and version measured before the export, and the last re-verification.
    """
    CREATE TABLE cases (
        number      TEXT PRIMARY KEY,
        title       TEXT NOT NULL DEFAULT '',
        status      TEXT NOT NULL,
        created     TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        notes       TEXT NOT NULL DEFAULT '',
        updated     TEXT NOT NULL
    );
    ALTER TABLE jobs ADD COLUMN workstation TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN clock TEXT;
    ALTER TABLE jobs ADD COLUMN server_version TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN verified TEXT;
    CREATE INDEX jobs_case ON jobs (case_name);
    """,
    # 3: the team's audit chain (used by a PostgreSQL store; a workstation on SQLite keeps audit.jsonl,
    # and `vms-desk store migrate` copies it here). Entries are the canonical JSON that was hashed;
    # UNIQUE(prev) makes a fork impossible, the triggers make the table insert-only. `origin` is the
    # hash of the workstation entry an imported row carries, so importing twice adds nothing.
    """
    CREATE TABLE audit (
        seq     INTEGER PRIMARY KEY,
        prev    TEXT NOT NULL UNIQUE,
        hash    TEXT NOT NULL UNIQUE,
        entry   TEXT NOT NULL,
        origin  TEXT UNIQUE
    );
    CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit entries are never changed'); END;
    CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit entries are never removed'); END;
    CREATE INDEX jobs_created ON jobs (created, id);
    CREATE INDEX jobs_workstation ON jobs (workstation);
    """,
    # 4: what the supervisor board pages and filters on in SQL (a team store holds 100,000 jobs and
    # more; decoding them all for every look was seconds). `server_label` is the board's vendor/server
    # text, `verified_ok` the last re-verification's result (NULL: never re-verified): both live inside
    # JSON otherwise. The job store keeps them in step with the record on every write. Each filter
    # column leads an index in the board's order (newest first), so a filtered first page and its
    # count read an index range; state and verdict ride along at the end, so that one operator's
    # failed jobs are found in the index, not row by row. They replace steps 1 to 3's single-column
    # indexes. `server_label` is indexed for the board's list of servers (its filter is a substring).
    # `updated` is indexed for the SQLite board's poll (PostgreSQL boards hear NOTIFY instead).
    """
    ALTER TABLE jobs ADD COLUMN server_label TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN verified_ok INTEGER;
    UPDATE jobs SET
        server_label = json_extract(server, '$.vendor') || '/'
            || coalesce(nullif(json_extract(server, '$.name'), ''), json_extract(server, '$.url')),
        verified_ok = json_extract(verified, '$.ok');
    DROP INDEX jobs_state;
    DROP INDEX jobs_case;
    DROP INDEX jobs_workstation;
    CREATE INDEX jobs_state_created ON jobs (state, created, id, verified_ok);
    CREATE INDEX jobs_case_created ON jobs (case_name, created, id, state, verified_ok);
    CREATE INDEX jobs_workstation_created ON jobs (workstation, created, id, state, verified_ok);
    CREATE INDEX jobs_operator_created ON jobs (operator, created, id, state, verified_ok);
    CREATE INDEX jobs_server_label ON jobs (server_label);
    CREATE INDEX jobs_updated ON jobs (updated);
    """,
)


POSTGRES_MIGRATIONS: tuple[str, ...] = (
    # 1: as SQLite's step 1, with PostgreSQL's wider numbers and an identity column for event order.
    """
    CREATE TABLE jobs (
        id           TEXT PRIMARY KEY,
        created      TEXT NOT NULL,
        updated      TEXT NOT NULL,
        state        TEXT NOT NULL,
        server       TEXT NOT NULL,
        camera_id    TEXT NOT NULL,
        camera_name  TEXT NOT NULL DEFAULT '',
        request      TEXT NOT NULL,
        handle       TEXT,
        progress     DOUBLE PRECISION NOT NULL DEFAULT 0,
        bytes_done   BIGINT NOT NULL DEFAULT 0,
        bytes_total  BIGINT,
        error        TEXT NOT NULL DEFAULT '',
        out_dir      TEXT NOT NULL,
        evidence_dir TEXT,
        case_name    TEXT,
        operator     TEXT,
        files        TEXT NOT NULL DEFAULT '[]',
        manifest     TEXT,
        server_path  TEXT,
        actual       TEXT,
        owner        TEXT NOT NULL DEFAULT '',
        lease_until  DOUBLE PRECISION
    );
    CREATE INDEX jobs_state ON jobs (state);
    CREATE TABLE events (
        seq     BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
        job_id  TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        time    TEXT NOT NULL,
        state   TEXT NOT NULL,
        detail  TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX events_job ON events (job_id, seq);
    """,
    MIGRATIONS[1],  # 2: cases and the board's columns: the same SQL on both engines
    # 3: the audit chain, insert-only by trigger (the workstation role's grants say the same: see
    # docs/team-store.md).
    """
    CREATE TABLE audit (
        seq     BIGINT PRIMARY KEY,
        prev    TEXT NOT NULL UNIQUE,
        hash    TEXT NOT NULL UNIQUE,
        entry   TEXT NOT NULL,
        origin  TEXT UNIQUE
    );
    CREATE FUNCTION vms_desk_audit_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit entries are never changed or removed';
    END
    $$;
    CREATE TRIGGER audit_insert_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
        FOR EACH STATEMENT EXECUTE FUNCTION vms_desk_audit_insert_only();
    CREATE INDEX jobs_created ON jobs (created, id);
    CREATE INDEX jobs_workstation ON jobs (workstation);
    """,
    # 4: as SQLite's step 4 (the board's columns and indexes), with PostgreSQL's JSON operators for
    # the existing rows. No index on `updated`: boards hear NOTIFY, and an index on a column every
    # progress write changes would cost those writes PostgreSQL's HOT updates.
    """
    ALTER TABLE jobs ADD COLUMN server_label TEXT NOT NULL DEFAULT '';
    ALTER TABLE jobs ADD COLUMN verified_ok INTEGER;
    UPDATE jobs SET
        server_label = (server::json ->> 'vendor') || '/'
            || coalesce(nullif(server::json ->> 'name', ''), server::json ->> 'url'),
        verified_ok = (verified::json ->> 'ok')::boolean::integer;
    DROP INDEX jobs_state;
    DROP INDEX jobs_case;
    DROP INDEX jobs_workstation;
    CREATE INDEX jobs_state_created ON jobs (state, created, id, verified_ok);
    CREATE INDEX jobs_case_created ON jobs (case_name, created, id, state, verified_ok);
    CREATE INDEX jobs_workstation_created ON jobs (workstation, created, id, state, verified_ok);
    CREATE INDEX jobs_operator_created ON jobs (operator, created, id, state, verified_ok);
    CREATE INDEX jobs_server_label ON jobs (server_label);
    """,
)
