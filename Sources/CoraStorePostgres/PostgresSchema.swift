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
        // Lineage, states and citations (§11): new read models, filled from the events already stored.
        [
            """
            CREATE TABLE proj_data_dataset_lineage (
                parent_id UUID NOT NULL,
                child_created_at TIMESTAMPTZ NOT NULL,
                child_id UUID NOT NULL,
                position BIGINT NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (parent_id, child_created_at, child_id)
            )
            """,
            "CREATE INDEX proj_data_dataset_lineage_child_idx ON proj_data_dataset_lineage (child_id, parent_id)",
            """
            CREATE TABLE proj_data_dataset_states (
                dataset_id UUID NOT NULL,
                position BIGINT NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                status TEXT CHECK (status IN ('Registered', 'Discarded')),
                intent TEXT,
                PRIMARY KEY (dataset_id, position)
            )
            """,
            """
            CREATE TABLE proj_data_calibration_citations (
                calibration_id UUID NOT NULL,
                created_at TIMESTAMPTZ NOT NULL,
                dataset_id UUID NOT NULL,
                position BIGINT NOT NULL,
                recorded_at TIMESTAMPTZ NOT NULL,
                PRIMARY KEY (calibration_id, created_at, dataset_id)
            )
            """,
            "CREATE INDEX proj_data_calibration_citations_dataset_idx ON proj_data_calibration_citations (dataset_id)",
            """
            INSERT INTO proj_data_dataset_lineage (parent_id, child_created_at, child_id, position, recorded_at)
            SELECT parent.id::uuid, e.occurred_at, e.stream_id, e.position, e.recorded_at
            FROM events e, jsonb_array_elements_text(e.payload->'derived_from') AS parent(id)
            WHERE e.stream_type = 'Dataset' AND e.event_type = 'DatasetRegistered'
            """,
            """
            INSERT INTO proj_data_calibration_citations (calibration_id, created_at, dataset_id, position, recorded_at)
            SELECT cited.id::uuid, e.occurred_at, e.stream_id, e.position, e.recorded_at
            FROM events e, jsonb_array_elements_text(e.payload->'used_calibrations') AS cited(id)
            WHERE e.stream_type = 'Dataset' AND e.event_type = 'DatasetRegistered'
            """,
            """
            INSERT INTO proj_data_dataset_states (dataset_id, position, recorded_at, status, intent)
            SELECT e.stream_id, e.position, e.recorded_at,
                   CASE e.event_type WHEN 'DatasetRegistered' THEN 'Registered' WHEN 'DatasetDiscarded' THEN 'Discarded' END,
                   CASE e.event_type WHEN 'DatasetRegistered' THEN e.payload->>'intent'
                                     WHEN 'DatasetPromoted' THEN 'Production' WHEN 'DatasetDemoted' THEN 'Retracted' END
            FROM events e
            WHERE e.stream_type = 'Dataset' AND e.event_type IN ('DatasetRegistered', 'DatasetPromoted', 'DatasetDemoted', 'DatasetDiscarded')
            """,
        ],
        // 3: the catalog pages' sign-in: one row of secrets, and login links by the hash of their token.
        [
            """
            CREATE TABLE catalog_secrets (
                id INT PRIMARY KEY CHECK (id = 1),
                session_key BYTEA NOT NULL,
                operator_principal UUID NOT NULL
            )
            """,
            """
            CREATE TABLE catalog_login_links (
                token_hash BYTEA PRIMARY KEY,
                principal UUID NOT NULL,
                expires_at TIMESTAMPTZ NOT NULL,
                used_at TIMESTAMPTZ
            )
            """,
        ],
        // 4: the change feed of one stream type is an index range, like the whole feed.
        ["CREATE INDEX events_stream_type_position_idx ON events (stream_type, position)"],
    ]
}
