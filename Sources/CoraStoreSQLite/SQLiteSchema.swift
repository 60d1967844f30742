/// Versioned migrations of the embedded store. Each entry is applied once, in order, in one
/// transaction, and recorded in `schema_migrations`.
///
/// The tables mirror CONTRACT §9 with SQLite types: UUIDs as lower-case text (whose order equals
/// PostgreSQL's uuid byte order), timestamps as integer microseconds since the epoch, JSON as
/// canonical text. `used_calibrations` containment is served by the join table's primary key, which is
/// ordered like the list so a filtered page is one index range, not a scan.
enum SQLiteSchema {
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE events (
                position INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id TEXT NOT NULL UNIQUE,
                stream_type TEXT NOT NULL,
                stream_id TEXT NOT NULL,
                version INTEGER NOT NULL CHECK (version > 0),
                event_type TEXT NOT NULL,
                payload TEXT NOT NULL,
                metadata TEXT NOT NULL,
                correlation_id TEXT,
                occurred_at INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL,
                UNIQUE (stream_type, stream_id, version)
            )
            """,
            // Events are never updated or deleted.
            "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
            "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
            """
            CREATE TABLE idempotency_keys (
                principal_id TEXT NOT NULL,
                key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed')),
                response_code INTEGER,
                response_body TEXT,
                created_at INTEGER NOT NULL,
                completed_at INTEGER,
                PRIMARY KEY (principal_id, key)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE proj_data_dataset_summary (
                dataset_id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                uri TEXT NOT NULL,
                producing_run_id TEXT,
                subject_id TEXT,
                status TEXT NOT NULL CHECK (status IN ('Registered', 'Discarded')),
                used_calibrations TEXT NOT NULL DEFAULT '[]',
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            )
            """,
            "CREATE INDEX proj_data_dataset_summary_keyset_idx ON proj_data_dataset_summary (created_at, dataset_id)",
            "CREATE INDEX proj_data_dataset_summary_run_idx ON proj_data_dataset_summary (producing_run_id) WHERE producing_run_id IS NOT NULL",
            "CREATE INDEX proj_data_dataset_summary_subject_idx ON proj_data_dataset_summary (subject_id) WHERE subject_id IS NOT NULL",
            """
            CREATE TABLE proj_data_dataset_used_calibrations (
                calibration_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                dataset_id TEXT NOT NULL,
                PRIMARY KEY (calibration_id, created_at, dataset_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX proj_data_dataset_used_calibrations_dataset_idx ON proj_data_dataset_used_calibrations (dataset_id)",
        ],
        // Lineage, states and citations (§11): new read models, filled from the events already stored. The
        // citation table replaces the summary's join table: the same order, plus the event's position.
        [
            """
            CREATE TABLE proj_data_dataset_lineage (
                parent_id TEXT NOT NULL,
                child_created_at INTEGER NOT NULL,
                child_id TEXT NOT NULL,
                position INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL,
                PRIMARY KEY (parent_id, child_created_at, child_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX proj_data_dataset_lineage_child_idx ON proj_data_dataset_lineage (child_id, parent_id)",
            """
            CREATE TABLE proj_data_dataset_states (
                dataset_id TEXT NOT NULL,
                position INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL,
                status TEXT CHECK (status IN ('Registered', 'Discarded')),
                intent TEXT,
                PRIMARY KEY (dataset_id, position)
            ) WITHOUT ROWID
            """,
            """
            CREATE TABLE proj_data_calibration_citations (
                calibration_id TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                dataset_id TEXT NOT NULL,
                position INTEGER NOT NULL,
                recorded_at INTEGER NOT NULL,
                PRIMARY KEY (calibration_id, created_at, dataset_id)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX proj_data_calibration_citations_dataset_idx ON proj_data_calibration_citations (dataset_id)",
            """
            INSERT INTO proj_data_dataset_lineage (parent_id, child_created_at, child_id, position, recorded_at)
            SELECT j.value, e.occurred_at, e.stream_id, e.position, e.recorded_at
            FROM events e, json_each(e.payload, '$.derived_from') j
            WHERE e.stream_type = 'Dataset' AND e.event_type = 'DatasetRegistered'
            """,
            """
            INSERT INTO proj_data_calibration_citations (calibration_id, created_at, dataset_id, position, recorded_at)
            SELECT j.value, e.occurred_at, e.stream_id, e.position, e.recorded_at
            FROM events e, json_each(e.payload, '$.used_calibrations') j
            WHERE e.stream_type = 'Dataset' AND e.event_type = 'DatasetRegistered'
            """,
            """
            INSERT INTO proj_data_dataset_states (dataset_id, position, recorded_at, status, intent)
            SELECT e.stream_id, e.position, e.recorded_at,
                   CASE e.event_type WHEN 'DatasetRegistered' THEN 'Registered' WHEN 'DatasetDiscarded' THEN 'Discarded' END,
                   CASE e.event_type WHEN 'DatasetRegistered' THEN json_extract(e.payload, '$.intent')
                                     WHEN 'DatasetPromoted' THEN 'Production' WHEN 'DatasetDemoted' THEN 'Retracted' END
            FROM events e
            WHERE e.stream_type = 'Dataset' AND e.event_type IN ('DatasetRegistered', 'DatasetPromoted', 'DatasetDemoted', 'DatasetDiscarded')
            """,
            "DROP TABLE proj_data_dataset_used_calibrations",
        ],
        // 3: the catalog pages' sign-in: one row of secrets, and login links by the hash of their token.
        [
            """
            CREATE TABLE catalog_secrets (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                session_key BLOB NOT NULL,
                operator_principal TEXT NOT NULL
            )
            """,
            """
            CREATE TABLE catalog_login_links (
                token_hash BLOB PRIMARY KEY,
                principal TEXT NOT NULL,
                expires_at INTEGER NOT NULL,
                used_at INTEGER
            )
            """,
        ],
        // 4: the change feed of one stream type is an index range, like the whole feed.
        ["CREATE INDEX events_stream_type_position_idx ON events (stream_type, position)"],
    ]
}
