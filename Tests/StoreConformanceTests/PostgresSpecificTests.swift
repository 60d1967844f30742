import CoraData
import CoraKernel
import CoraStorePostgres
import CoraTestSupport
import Foundation
import PostgresNIO
import Testing

/// The seed's DDL for the projection, verbatim; the live catalog must match what it creates.
private let seedDDL = [
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
    );
    """,
    "CREATE INDEX proj_data_dataset_summary_keyset_idx ON proj_data_dataset_summary (created_at, dataset_id);",
    "CREATE INDEX proj_data_dataset_summary_run_idx ON proj_data_dataset_summary (producing_run_id) WHERE producing_run_id IS NOT NULL;",
    "CREATE INDEX proj_data_dataset_summary_subject_idx ON proj_data_dataset_summary (subject_id) WHERE subject_id IS NOT NULL;",
    "CREATE INDEX proj_data_dataset_summary_used_calibrations_gin_idx ON proj_data_dataset_summary USING GIN (used_calibrations);",
]

@Suite("PostgreSQL store specifics", .serialized, .enabled(if: StoreKind.allCases.contains(.postgres)))
struct PostgresSpecificTests {
    func withPostgres(_ body: (OpenedStore, PostgresStore) async throws -> Void) async throws {
        let opened = try await StoreKind.postgres.open()
        defer { Task { try? await opened.close() } }
        let store = try #require(opened.store as? PostgresStore)
        try await body(opened, store)
    }

    /// Columns, types, nullability, defaults, CHECK constraints and index definitions of a table in a schema.
    func catalog(_ opened: OpenedStore, schema: String) async throws -> [String] {
        let columns = try await opened.execute("""
            SELECT string_agg(column_name || ' ' || udt_name || ' ' || is_nullable || ' ' || COALESCE(column_default, '-'), '; ' ORDER BY ordinal_position)
            FROM information_schema.columns WHERE table_schema = '\(schema)' AND table_name = 'proj_data_dataset_summary'
            """)
        let checks = try await opened.execute("""
            SELECT string_agg(pg_get_constraintdef(c.oid), '; ' ORDER BY c.conname) FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = '\(schema)' AND t.relname = 'proj_data_dataset_summary'
            """)
        let indexes = try await opened.execute("""
            SELECT string_agg(replace(indexdef, '\(schema).', ''), '; ' ORDER BY indexname) FROM pg_indexes
            WHERE schemaname = '\(schema)' AND tablename = 'proj_data_dataset_summary'
            """)
        return [columns, checks, indexes]
    }

    @Test func theProjectionTableIsExactlyTheSeedsDDL() async throws {
        try await withPostgres { opened, _ in
            try await opened.execute("CREATE SCHEMA seed")
            for statement in seedDDL { try await opened.execute("SET search_path TO seed; " + statement) }
            let live = try await catalog(opened, schema: "public")
            let seed = try await catalog(opened, schema: "seed")
            #expect(live == seed)
            #expect(live[2].contains("proj_data_dataset_summary_used_calibrations_gin_idx ON proj_data_dataset_summary USING gin (used_calibrations)"))
            #expect(live[2].contains("proj_data_dataset_summary_keyset_idx ON proj_data_dataset_summary USING btree (created_at, dataset_id)"))
            #expect(live[1].contains("CHECK ((status = ANY (ARRAY['Registered'::text, 'Discarded'::text])))"))
            #expect(try await opened.execute("SELECT COUNT(*) FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'proj_data_dataset_summary'") == "5")
        }
    }

    @Test func theCalibrationFilterWalksTheCitationIndexAndTheGINIndexStillServesContainment() async throws {
        try await withPostgres { opened, store in
            // 60,000 rows citing 1–3 calibrations each: most from a pool of 5,000 (rare, ~30 rows each), every
            // tenth also one of 10 common ones (~1%). Loaded with SQL because this test is about plans.
            try await opened.execute("""
                INSERT INTO proj_data_dataset_summary (dataset_id, name, uri, status, used_calibrations, created_at, updated_at)
                SELECT md5('ds' || i)::uuid, 'dataset ' || i, 's3://bucket/' || i, 'Registered',
                       (ARRAY[md5('cal' || (i % 5000))::uuid, md5('cal' || ((i * 7) % 5000))::uuid,
                              CASE WHEN i % 10 = 0 THEN md5('common' || (i % 100 / 10))::uuid ELSE md5('cal' || ((i * 13) % 5000))::uuid END])[1:1 + i % 3],
                       timestamptz '2026-01-01' + i * interval '1 second', now()
                FROM generate_series(1, 60000) AS i
                """)
            try await opened.execute("""
                INSERT INTO proj_data_calibration_citations (calibration_id, created_at, dataset_id, position, recorded_at)
                SELECT DISTINCT cited, s.created_at, s.dataset_id, 1, now() FROM proj_data_dataset_summary s, unnest(s.used_calibrations) AS cited
                """)
            try await opened.execute("ANALYZE proj_data_dataset_summary")
            try await opened.execute("ANALYZE proj_data_calibration_citations")
            let rare = try #require(UUID(strict: try await opened.execute("SELECT md5('cal' || 17)::uuid")))
            let common = try #require(UUID(strict: try await opened.execute("SELECT md5('common' || 3)::uuid")))
            let after = DatasetListPosition(createdAt: Timestamp(rfc3339: "2026-01-01T05:00:00Z")!, datasetID: SequentialIDs.id(1))
            for position in [nil, after] {
                // A page of a rare and of a frequent calibration alike: a range of the citation index in list
                // order, no scan and no sort.
                for cited in [rare, common] {
                    let filtered = try await store.explainList(DatasetListFilter(usedCalibrations: [cited]), after: position, limit: 51)
                    #expect(filtered.contains("\"Index Name\": \"proj_data_calibration_citations_pkey\""), "\(filtered)")
                    #expect(!filtered.contains("Seq Scan") && !filtered.contains("\"Node Type\": \"Sort\""), "\(filtered)")
                }
                // Several ids: the planner may instead take the few rows citing all of them from the GIN index
                // and sort those; either way nothing is scanned.
                let both = try await store.explainList(DatasetListFilter(usedCalibrations: [common, rare]), after: position, limit: 51)
                #expect(!both.contains("Seq Scan"), "\(both)")
                let page = try await store.explainList(DatasetListFilter(), after: position, limit: 51)
                #expect(page.contains("\"Index Name\": \"proj_data_dataset_summary_keyset_idx\""), "\(page)")
                #expect(!page.contains("\"Node Type\": \"Sort\""), "no sort of the table: \(page)")
                #expect(!page.contains("Seq Scan"), "\(page)")
            }
            // The seed's GIN index stays and serves an ad-hoc containment query.
            let adHoc = try await opened.execute("EXPLAIN SELECT dataset_id FROM proj_data_dataset_summary WHERE used_calibrations @> ARRAY['\(rare.lowercased)']::uuid[]")
            #expect(adHoc.contains("proj_data_dataset_summary_used_calibrations_gin_idx"), "\(adHoc)")
            // The page returned follows the filter exactly.
            let rows = try await store.listDatasets(DatasetListFilter(usedCalibrations: [common]), after: nil, limit: 100)
            #expect(rows.count == 100 && rows.allSatisfy { $0.usedCalibrations.contains(common) })
            #expect(try await store.listDatasets(DatasetListFilter(usedCalibrations: [rare]), after: nil, limit: 100).allSatisfy { $0.usedCalibrations.contains(rare) })
        }
    }

    /// Several processes share one database. A command takes its key in the statement that commits it,
    /// under an advisory lock on the key: while another process's commit holds it (a raw session holds
    /// it here), a twin request hears in-flight at once; afterwards the key is free, then replays.
    @Test func aKeyBeingCommittedElsewhereIsInFlightForATwin() async throws {
        try await withPostgres { opened, store in
            let dependencies = ServiceDependencies(store: store)
            let principal = Fixtures.caller().principal
            try await withRawPostgresConnection(opened.location) { raw in
                let lock = "\(principal)/held"
                try await raw.query("SELECT pg_advisory_lock(hashtextextended(\(lock), 0))", logger: Logger(label: "test"))
                await #expect(throws: IdempotencyError.inFlight) { _ = try await dependencies.register(key: "held") }
                try await raw.query("SELECT pg_advisory_unlock(hashtextextended(\(lock), 0))", logger: Logger(label: "test"))
            }
            let id = try await dependencies.register(key: "held")
            #expect(try await dependencies.register(key: "held") == id)
            #expect(try await opened.execute("SELECT COUNT(*) FROM events") == "1")
        }
    }

    /// A request that read a key free and lost it to a twin that committed first is answered with the
    /// twin's registration (the command is re-run and its read finds the record), never a second Dataset.
    @Test func aKeyTakenBetweenReadAndCommitReplaysTheTwinsAnswer() async throws {
        try await withPostgres { opened, store in
            let twin = ServiceDependencies(store: store)
            // The twin commits while this command is between its read and its commit.
            let twinID = Locked<UUID?>(nil)
            let racing = CountingStore(store) { let id = try await twin.register(key: "raced"); twinID.withLock { $0 = id } }
            let id = try await ServiceDependencies(store: racing).register(key: "raced")
            #expect(id == twinID.value)
            #expect(try await opened.execute("SELECT COUNT(*) FROM events") == "1")
            #expect(racing.transactions.value == 2, "re-run once after the key was taken")
        }
    }

    /// No store call may hang a request: one stuck behind another transaction answers StoreUnavailable
    /// at the store's deadline, and the transaction it waited on is unharmed.
    @Test(.timeLimit(.minutes(1))) func aCallStuckPastTheDeadlineAnswersStoreUnavailable() async throws {
        try await withPostgres { opened, store in
            let impatient = try await StoreKind.openPostgres(url: opened.location, operationTimeout: .milliseconds(300))
            defer { Task { try? await impatient.close() } }
            let stream = StreamID(.subject, UUID())
            let event = PendingEvent(stream: stream, eventType: "SubjectRegistered", payload: ["name": "r"], occurredAt: Timestamp(microsecondsSinceEpoch: 0))
            let metadata = EventMetadata(actorID: Fixtures.principal, correlationID: UUID())
            try await withRawPostgresConnection(opened.location) { raw in
                try await raw.query("BEGIN", logger: Logger(label: "test"))
                try await raw.query("""
                    INSERT INTO events (event_id, stream_type, stream_id, version, event_type, payload, metadata, occurred_at)
                    VALUES (gen_random_uuid(), 'Subject', \(stream.id), 1, 'SubjectRegistered', '{"name": "held"}',
                            jsonb_build_object('actor_id', '\(unescaped: Fixtures.principal.description)', 'correlation_id', gen_random_uuid(), 'schema_version', 1), now())
                    """, logger: Logger(label: "test"))
                // The same version from the store waits on the unique index until the raw transaction ends.
                let started = ContinuousClock.now
                do {
                    _ = try await impatient.store.appending { tx in try await tx.append([event], metadata: metadata, expectedVersions: [stream: 0]) }
                    Issue.record("the blocked append returned")
                } catch let error as StoreError {
                    guard case .unavailable = error else { Issue.record("\(error)"); return }
                }
                #expect(ContinuousClock.now - started < .seconds(2), "answered at the deadline, not when the lock was released")
                try await raw.query("COMMIT", logger: Logger(label: "test"))
            }
            #expect(try await store.readStream(stream).count == 1)
        }
    }

    @Test func loadingAStreamIsAnIndexRangeScan() async throws {
        try await withPostgres { opened, store in
            try await opened.execute("""
                INSERT INTO events (event_id, stream_type, stream_id, version, event_type, payload, metadata, occurred_at, recorded_at)
                SELECT gen_random_uuid(), 'Dataset', md5('ds' || (i / 2))::uuid, 1 + i % 2, 'DatasetRegistered', '{}'::jsonb,
                       jsonb_build_object('actor_id', '\(Fixtures.principal)', 'correlation_id', gen_random_uuid(), 'schema_version', 1), now(), now()
                FROM generate_series(0, 119999) AS i
                """)
            try await opened.execute("ANALYZE events")
            #expect(try await opened.execute("SELECT COUNT(*) FROM events") == "120000")
            let one = try #require(UUID(strict: try await opened.execute("SELECT md5('ds' || 4242)::uuid")))
            let several = [one] + (1...5).map { _ in UUID() }
            for streams in [[StreamID(.dataset, one)], several.map { StreamID(.dataset, $0) }] {
                let plan = try await store.explainLoad(streams)
                #expect(plan.contains("events_stream_type_stream_id_version_key"), "\(plan)")
                #expect(!plan.contains("Seq Scan"), "no sequential scan of events: \(plan)")
            }
            #expect(try await store.readStream(StreamID(.dataset, one)).count == 2)
        }
    }

    @Test func migrationsAreIdempotentAndSerializedAcrossStarters() async throws {
        try await withPostgres { opened, _ in
            // Five more stores start at once on the same database; the advisory lock lets one migrate.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await StoreKind.openPostgres(url: opened.location).close()
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await opened.execute("SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_migrations") == "1,2,3,4,5,6")
        }
    }
}

@Suite("PostgreSQL connection pool", .enabled(if: StoreKind.allCases.contains(.postgres)))
struct PostgresPoolTests {
    /// The connections to the store's database other than the counting one.
    func openConnections(_ url: String) throws -> Int {
        Int(try PostgresCluster.query(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")) ?? -1
    }

    @Test func aServersPoolOpensEveryConnectionAtStartAndOtherPoolsConnectOnDemand() async throws {
        for keepsPoolOpen in [true, false] {
            let url = try await PostgresCluster.shared.freshDatabaseURL()
            let store = try PostgresStore(url: url + "?pool_size=3", keepsPoolOpen: keepsPoolOpen)
            let running = Task { try await store.run() }
            defer { running.cancel() }
            var seen = try openConnections(url)
            // The open pool is given up to five seconds to connect; the on-demand one is watched for one.
            for _ in 0..<(keepsPoolOpen ? 50 : 10) where seen < 3 {
                try await Task.sleep(for: .milliseconds(100))
                seen = try openConnections(url)
            }
            // Without any query having run: three open for a server's pool, none for an on-demand one.
            #expect(seen == (keepsPoolOpen ? 3 : 0), "keepsPoolOpen \(keepsPoolOpen)")
        }
    }
}

@Suite("PostgreSQL URL")
struct PostgresURLTests {
    @Test func poolSizeComesFromTheURLOrDefaultsToTen() throws {
        let base = "postgres://cora@db.internal:5432/cora?sslmode=disable"
        #expect(try PostgresStore.configuration(url: base).options.maximumConnections == PostgresStore.defaultPoolSize)
        #expect(PostgresStore.defaultPoolSize == 10)
        #expect(try PostgresStore.configuration(url: base + "&pool_size=7").options.maximumConnections == 7)
        for bad in ["0", "-1", "x", "", "1001"] {
            #expect(throws: PostgresStore.InvalidURL.self) { try PostgresStore.configuration(url: base + "&pool_size=" + bad) }
        }
    }
}
