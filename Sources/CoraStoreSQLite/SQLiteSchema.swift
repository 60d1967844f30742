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
    ]
}
