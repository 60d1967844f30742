/// Versioned migrations of the PostgreSQL store, applied in order under an advisory lock so several
/// server processes can start at once. `proj_data_dataset_summary` and its four indexes are the seed's
/// DDL verbatim.
enum PostgresSchema {
    /// Key of the advisory lock that serializes migrations across processes.
    static let migrationLockKey: Int64 = 0x434F_5241_4D49_4752 // "CORAMIGR"

    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE events (
                position BIGSERIAL PRIMARY KEY,
                event_id UUID NOT NULL UNIQUE,
                stream_type TEXT NOT NULL,
                stream_id UUID NOT NULL,
                version INT NOT NULL CHECK (version > 0),
                event_type TEXT NOT NULL,
                payload JSONB NOT NULL,
                metadata JSONB NOT NULL,
                correlation_id UUID,
                occurred_at TIMESTAMPTZ NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                UNIQUE (stream_type, stream_id, version)
            )
            """,
            """
            CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'events are append-only'; END $$
            """,
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_are_append_only()",
            """
            CREATE TABLE idempotency_keys (
                principal_id UUID NOT NULL,
                key TEXT NOT NULL,
                request_hash TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('in_progress', 'completed')),
                response_code INT,
                response_body JSONB,
                created_at TIMESTAMPTZ NOT NULL,
                completed_at TIMESTAMPTZ,
                PRIMARY KEY (principal_id, key)
            )
            """,
            """
            CREATE TABLE proj_data_dataset_summary (
                dataset_id UUID PRIMARY KEY,
                name TEXT NOT NULL,
                uri TEXT NOT NULL,
                producing_run_id UUID,
                subject_id UUID,
                status TEXT NOT NULL CHECK (
                    status IN ('Registered', 'Discarded')
                ),
                used_calibrations UUID[] NOT NULL DEFAULT '{}',
                created_at TIMESTAMPTZ NOT NULL,
                updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE INDEX proj_data_dataset_summary_keyset_idx
                ON proj_data_dataset_summary (created_at, dataset_id)
            """,
            """
            CREATE INDEX proj_data_dataset_summary_run_idx
                ON proj_data_dataset_summary (producing_run_id)
                WHERE producing_run_id IS NOT NULL
            """,
            """
            CREATE INDEX proj_data_dataset_summary_subject_idx
                ON proj_data_dataset_summary (subject_id)
                WHERE subject_id IS NOT NULL
            """,
            """
            CREATE INDEX proj_data_dataset_summary_used_calibrations_gin_idx
                ON proj_data_dataset_summary USING GIN (used_calibrations)
            """,
        ],
    ]
}
