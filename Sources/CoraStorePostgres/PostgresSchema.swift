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
        // 5: a command's writes in one call, committed in the round trip that sends them.
        [commitFunction],
        // 6: the same function, defined again for databases that ran 5 before its statements were
        // skipped when they have no rows (an empty statement's executor start-up was most of its cost).
        [commitFunction],
    ]

    /// Claims the idempotency key, appends the events at the versions their streams were read at, writes
    /// every read-model row and, being one statement, commits: the round trip that sends a command's
    /// writes is the one that commits them. Outcomes: `committed` with the events' positions in order;
    /// `in_flight` when another request's commit holds the key this moment; `key_taken` when a live
    /// record appeared after the command read the key free. A stream appended to since it was read
    /// raises SQLSTATE CR409 naming it (DETAIL the stream type, HINT its id), undoing everything.
    /// `CREATE OR REPLACE`, so that a later migration can define it again.
    static let commitFunction = """
        CREATE OR REPLACE FUNCTION cora_commit(
            key_principal uuid, key_text text, key_hash text, key_code int4, key_body jsonb, key_now int8, key_expired_before int8,
            event_ids uuid[], stream_types text[], stream_ids uuid[], versions int4[], event_types text[], payloads jsonb[],
            metadata jsonb[], correlation_ids uuid[], occurred int8[], recorded int8[], read_models jsonb,
            OUT outcome text, OUT positions int8[]
        ) LANGUAGE plpgsql AS $$
        DECLARE
            inserted_ids uuid[];
            transaction_id xid8;
            lost_type text;
            lost_id uuid;
        BEGIN
            IF key_principal IS NOT NULL THEN
                -- Held until this statement's transaction ends: a twin request committing now hears in-flight.
                IF NOT pg_try_advisory_xact_lock(hashtextextended(key_principal::text || '/' || key_text, 0)) THEN
                    outcome := 'in_flight';
                    RETURN;
                END IF;
                INSERT INTO idempotency_keys AS k (principal_id, key, request_hash, status, response_code, response_body, created_at, completed_at)
                VALUES (key_principal, key_text, key_hash, 'completed', key_code, key_body,
                        timestamptz 'epoch' + key_now * interval '1 microsecond', timestamptz 'epoch' + key_now * interval '1 microsecond')
                ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = 'completed',
                    response_code = excluded.response_code, response_body = excluded.response_body,
                    created_at = excluded.created_at, completed_at = excluded.completed_at
                WHERE k.created_at <= timestamptz 'epoch' + key_expired_before * interval '1 microsecond';
                IF NOT FOUND THEN
                    outcome := 'key_taken';
                    RETURN;
                END IF;
            END IF;
            IF cardinality(event_ids) > 0 THEN
                -- The change feed's rule: a transaction has its id before the sequence hands it a position
            -- (taken in an assignment: a simple expression, without a statement's executor start-up).
                transaction_id := pg_current_xact_id();
                WITH appended AS (
                    INSERT INTO events (event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at, recorded_at)
                    SELECT e.id, e.stream_type, e.stream_id, e.version, e.event_type, e.payload, e.metadata, e.correlation_id,
                           timestamptz 'epoch' + e.occurred * interval '1 microsecond', timestamptz 'epoch' + e.recorded * interval '1 microsecond'
                    FROM unnest(event_ids, stream_types, stream_ids, versions, event_types, payloads, metadata, correlation_ids, occurred, recorded)
                         WITH ORDINALITY AS e(id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred, recorded, n)
                    ORDER BY e.n
                    ON CONFLICT (stream_type, stream_id, version) DO NOTHING
                    RETURNING event_id, position
                )
                -- Rows take positions in the order they are inserted, so position order is the events' order.
                SELECT array_agg(a.position ORDER BY a.position), array_agg(a.event_id) INTO positions, inserted_ids FROM appended a;
                IF cardinality(coalesce(positions, '{}')) < cardinality(event_ids) THEN
                    SELECT u.stream_type, u.stream_id INTO lost_type, lost_id
                    FROM unnest(event_ids, stream_types, stream_ids) WITH ORDINALITY AS u(id, stream_type, stream_id, n)
                    WHERE NOT u.id = ANY(coalesce(inserted_ids, '{}')) ORDER BY u.n LIMIT 1;
                    RAISE EXCEPTION 'stream % % was appended to since it was read', lost_type, lost_id
                        USING ERRCODE = 'CR409', DETAIL = lost_type, HINT = lost_id::text;
                END IF;
            END IF;
            -- A commit's summary changes come upserts first (a registration), then status and touch changes
            -- of Datasets registered before: the order a command produces them in.
            IF jsonb_array_length(read_models->'summaries') > 0 THEN
                INSERT INTO proj_data_dataset_summary (dataset_id, name, uri, producing_run_id, subject_id, status, used_calibrations, created_at, updated_at)
                SELECT r.id, r.name, r.uri, r.run, r.subject, r.status, r.calibrations,
                       timestamptz 'epoch' + r.created * interval '1 microsecond', timestamptz 'epoch' + r.updated * interval '1 microsecond'
                FROM jsonb_to_recordset(read_models->'summaries')
                     AS r(id uuid, name text, uri text, run uuid, subject uuid, status text, calibrations uuid[], created int8, updated int8)
                ON CONFLICT (dataset_id) DO UPDATE SET name = excluded.name, uri = excluded.uri, producing_run_id = excluded.producing_run_id,
                    subject_id = excluded.subject_id, status = excluded.status, used_calibrations = excluded.used_calibrations,
                    created_at = excluded.created_at, updated_at = excluded.updated_at;
            END IF;
            IF jsonb_array_length(read_models->'updates') > 0 THEN
                UPDATE proj_data_dataset_summary s SET status = coalesce(r.status, s.status), updated_at = timestamptz 'epoch' + r.updated * interval '1 microsecond'
                FROM jsonb_to_recordset(read_models->'updates') AS r(id uuid, status text, updated int8)
                WHERE s.dataset_id = r.id;
            END IF;
            -- Graph rows name an event of this commit by a provisional position -n (the n-th event).
            IF jsonb_array_length(read_models->'lineage') > 0 THEN
                INSERT INTO proj_data_dataset_lineage (parent_id, child_created_at, child_id, position, recorded_at)
                SELECT r.parent, timestamptz 'epoch' + r.created * interval '1 microsecond', r.child,
                       CASE WHEN r.position < 0 THEN positions[-r.position] ELSE r.position END, timestamptz 'epoch' + r.recorded * interval '1 microsecond'
                FROM jsonb_to_recordset(read_models->'lineage') AS r(parent uuid, created int8, child uuid, position int8, recorded int8)
                ON CONFLICT DO NOTHING;
            END IF;
            IF jsonb_array_length(read_models->'states') > 0 THEN
                INSERT INTO proj_data_dataset_states (dataset_id, position, recorded_at, status, intent)
                SELECT r.id, CASE WHEN r.position < 0 THEN positions[-r.position] ELSE r.position END,
                       timestamptz 'epoch' + r.recorded * interval '1 microsecond', r.status, r.intent
                FROM jsonb_to_recordset(read_models->'states') AS r(id uuid, position int8, recorded int8, status text, intent text)
                ON CONFLICT DO NOTHING;
            END IF;
            IF jsonb_array_length(read_models->'citations') > 0 THEN
                INSERT INTO proj_data_calibration_citations (calibration_id, created_at, dataset_id, position, recorded_at)
                SELECT r.calibration, timestamptz 'epoch' + r.created * interval '1 microsecond', r.id,
                       CASE WHEN r.position < 0 THEN positions[-r.position] ELSE r.position END, timestamptz 'epoch' + r.recorded * interval '1 microsecond'
                FROM jsonb_to_recordset(read_models->'citations') AS r(calibration uuid, created int8, id uuid, position int8, recorded int8)
                ON CONFLICT DO NOTHING;
            END IF;
            outcome := 'committed';
        END $$
        """
}
