import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

/// Forwards to a real store and counts what each transaction asks of it, to prove the handlers' query
/// shape (one load round trip per register, however many `derived_from` there are). With
/// `readsOneEventBehind` every load misses each stream's newest event, as if another writer had
/// appended it just after the read: the real store then refuses the append as a conflict.
final class CountingStore: CoraStore {
    let inner: any CoraStore
    let loads = Locked<[Int]>([])
    let transactions = Locked(0)
    /// Round trips of graph reads, one per snapshot call.
    let graphRoundTrips = Locked(0)
    let readsOneEventBehind: Bool
    /// Runs once, in the first transaction, after its work and before it commits: a rival's moment.
    let beforeFirstCommit = Locked<(@Sendable () async throws -> Void)?>(nil)

    init(_ inner: any CoraStore, readsOneEventBehind: Bool = false, beforeFirstCommit: (@Sendable () async throws -> Void)? = nil) {
        self.inner = inner
        self.readsOneEventBehind = readsOneEventBehind
        self.beforeFirstCommit.withLock { $0 = beforeFirstCommit }
    }

    struct CountingTransaction: DataTransaction {
        let inner: any DataTransaction
        let loads: Locked<[Int]>
        let readsOneEventBehind: Bool
        func load(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]] {
            loads.withLock { $0.append(streams.count) }
            let loaded = try await inner.load(streams)
            return readsOneEventBehind ? loaded.mapValues { Array($0.dropLast()) } : loaded
        }
        var clock: any WallClock { inner.clock }
        var eventIDs: any IDGenerator { inner.eventIDs }
        func insert(_ events: [NewEvent]) async throws -> [Int64] { try await inner.insert(events) }
        func apply(_ changes: [ReadModelChange]) async throws { try await inner.apply(changes) }
        func claimIdempotency(_ scope: IdempotencyScope, requestHash: String) async throws -> IdempotencyClaim {
            try await inner.claimIdempotency(scope, requestHash: requestHash)
        }
        func completeIdempotency(_ scope: IdempotencyScope, requestHash: String, response: StoredResponse) async throws {
            try await inner.completeIdempotency(scope, requestHash: requestHash, response: response)
        }
    }

    func transaction<T: Sendable>(_ work: @escaping @Sendable (any DataTransaction) async throws -> (T, [RecordedEvent])) async throws -> (T, [RecordedEvent]) {
        transactions.withLock { $0 += 1 }
        let loads = self.loads
        let behind = readsOneEventBehind
        let rival = beforeFirstCommit.withLock { hook in defer { hook = nil }; return hook }
        return try await inner.transaction { transaction in
            let done = try await work(CountingTransaction(inner: transaction, loads: loads, readsOneEventBehind: behind))
            try await rival?()
            return done
        }
    }
    struct CountingSnapshot: DatasetGraphSnapshot {
        let inner: any DatasetGraphSnapshot
        let count: Locked<Int>
        func latestPosition() async throws -> Int64 {
            count.withLock { $0 += 1 }
            return try await inner.latestPosition()
        }
        func layer(upstream: [UUID], downstream: [UUID], visibility: GraphVisibility, children: ChildrenWanted) async throws -> GraphLayer {
            count.withLock { $0 += 1 }
            return try await inner.layer(upstream: upstream, downstream: downstream, visibility: visibility, children: children)
        }
        func citing(_ revision: UUID, visibility: GraphVisibility, limit: Int) async throws -> [UUID] {
            count.withLock { $0 += 1 }
            return try await inner.citing(revision, visibility: visibility, limit: limit)
        }
    }

    func readGraph<T: Sendable>(_ body: @escaping @Sendable (any DatasetGraphSnapshot) async throws -> T) async throws -> T {
        let count = graphRoundTrips
        return try await inner.readGraph { try await body(CountingSnapshot(inner: $0, count: count)) }
    }
    func readStream(_ stream: StreamID) async throws -> [RecordedEvent] { try await inner.readStream(stream) }
    func readStreams(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]] { try await inner.readStreams(streams) }
    func readEvents(after: Int64, limit: Int, streamType: StreamType?) async throws -> [RecordedEvent] {
        try await inner.readEvents(after: after, limit: limit, streamType: streamType)
    }
    func followCommits(_ wake: @escaping @Sendable () -> Void) async throws { try await inner.followCommits(wake) }
    func ping() async throws { try await inner.ping() }
    func headPosition() async throws -> Int64 { try await inner.headPosition() }
    func holdings() async throws -> StoreHoldings { try await inner.holdings() }
    func insertCopiedEvents(_ events: [RecordedEvent]) async throws { try await inner.insertCopiedEvents(events) }
    func idempotencyEntries(after: IdempotencyScope?, createdSince: Timestamp, limit: Int) async throws -> [IdempotencyEntry] {
        try await inner.idempotencyEntries(after: after, createdSince: createdSince, limit: limit)
    }
    func insertCopiedIdempotency(_ entries: [IdempotencyEntry]) async throws { try await inner.insertCopiedIdempotency(entries) }
    func catalogSecrets() async throws -> CatalogSecrets { try await inner.catalogSecrets() }
    func addLoginLink(tokenHash: [UInt8], principal: PrincipalID, expiresAt: Timestamp) async throws {
        try await inner.addLoginLink(tokenHash: tokenHash, principal: principal, expiresAt: expiresAt)
    }
    func useLoginLink(tokenHash: [UInt8], now: Timestamp) async throws -> PrincipalID? { try await inner.useLoginLink(tokenHash: tokenHash, now: now) }
    func close() async throws { try await inner.close() }
    func listDatasets(_ filter: DatasetListFilter, after: DatasetListPosition?, limit: Int) async throws -> [DatasetSummaryRow] {
        try await inner.listDatasets(filter, after: after, limit: limit)
    }
    func datasetStreamIDs(after: UUID?, limit: Int) async throws -> [UUID] { try await inner.datasetStreamIDs(after: after, limit: limit) }
    func readModelRows(_ ids: [UUID]) async throws -> [UUID: DatasetReadModelRows] { try await inner.readModelRows(ids) }
    func replaceReadModelRows(_ rows: [DatasetReadModelRows]) async throws { try await inner.replaceReadModelRows(rows) }
    func deleteReadModelRowsWithoutEvents() async throws -> Int { try await inner.deleteReadModelRowsWithoutEvents() }
}

@Suite("Round trips per command")
struct RoundTripTests {
    @Test(arguments: StoreKind.allCases)
    func aRegisterIsOneTransactionWithOneLoadWhateverItReferences(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let counting = CountingStore(store)
            let dependencies = ServiceDependencies(store: counting)
            var sources: [JSONValue] = []
            for _ in 0..<10 { sources.append(.string(try await dependencies.register().lowercased)) }
            let subject = try await dependencies.registerSubject()
            let run = try await dependencies.startRun()
            counting.loads.withLock { $0.removeAll() }
            counting.transactions.withLock { $0 = 0 }

            let id = try await dependencies.register(["derived_from": .array(sources), "producing_run_id": .string(run.lowercased), "subject_id": .string(subject.lowercased)])
            #expect(counting.transactions.value == 1)
            // The new stream, the Run, the Subject and all ten sources: one load of thirteen streams.
            #expect(counting.loads.value == [13])

            counting.loads.withLock { $0.removeAll() }
            _ = try? await dependencies.promote(id)
            // The Dataset, then its ten sources together.
            #expect(counting.loads.value == [1, 10])
        }
    }
}

/// What PostgreSQL itself executed for one database, from `pg_stat_statements` (the test cluster
/// preloads it): postgres-nio sends one statement at a time and waits for its answer, so each executed
/// statement is one round trip. (Preparing a statement is one more, once per pooled connection.)
struct ExecutedStatements {
    let opened: OpenedStore
    let databaseOID: String

    init(_ opened: OpenedStore) async throws {
        self.opened = opened
        _ = try await opened.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        databaseOID = try await opened.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
    }

    /// Statements run for the database so far, but for this count's own and the pool's keep-alive (`SELECT 1`).
    func count() async throws -> Int {
        Int(try await opened.execute("""
            SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements
            WHERE dbid = \(databaseOID) AND query !~ '^SELECT \\$1;?$' AND query NOT LIKE '%pg_stat_statements%'
            """)) ?? -1
    }

    /// The statements `work` made PostgreSQL execute, and what they were.
    func during(_ work: () async throws -> Void) async throws -> Int {
        let before = try await count()
        try await work()
        return try await count() - before
    }
}

@Suite("Round trips per command on PostgreSQL", .serialized, .enabled(if: StoreKind.allCases.contains(.postgres)))
struct PostgresRoundTripTests {
    /// One read of the key and every stream the decision needs, then one statement that claims the key,
    /// appends, writes every read model and commits: no BEGIN, no COMMIT, nothing per event or per row.
    @Test func everyCommandIsAtMostThreeRoundTrips() async throws {
        let opened = try await StoreKind.postgres.open()
        defer { Task { try? await opened.close() } }
        let statements = try await ExecutedStatements(opened)
        let service = ServiceDependencies(store: opened.store)
        let subject = try await service.registerSubject()
        let run = try await service.startRun(subject: subject)
        try await service.endRun(run)
        let sources = [try await service.register(), try await service.register(), try await service.register()]
        for source in sources { try await service.promote(source) }
        let calibrations: [JSONValue] = [.string(UUID().lowercased), .string(UUID().lowercased), .string(UUID().lowercased)]
        let body: [String: JSONValue] = ["derived_from": .array(sources.map { .string($0.lowercased) }), "producing_run_id": .string(run.lowercased),
                                         "subject_id": .string(subject.lowercased), "used_calibrations": .array(calibrations)]

        var id = UUID()
        #expect(try await statements.during { id = try await service.register(body, key: "k1") } == 2, "register: read, commit")
        #expect(try await statements.during { _ = try await service.register(body, key: "k1") } == 1, "a replay: the read")
        #expect(try await statements.during { try await service.promote(id) } == 3, "promote: the Dataset, its sources, commit")
        #expect(try await statements.during { try await service.demote(id) } == 2)
        let trial = try await service.register()
        #expect(try await statements.during { try await service.discard(trial) } == 2)
        #expect(try await statements.during { _ = try await service.registerSubject() } == 2)
        var started = UUID()
        #expect(try await statements.during { started = try await service.startRun(subject: subject) } == 2)
        #expect(try await statements.during { try await service.endRun(started) } == 2)
        // Every read model followed, in the committing statement.
        let rows = try await opened.store.readModelRows([id])[id]
        #expect(rows?.summary?.usedCalibrations.count == 3 && rows?.parents.count == 3 && rows?.citations.count == 3 && rows?.states.count == 3)
        #expect(try await opened.execute("SELECT COUNT(*) FROM events WHERE stream_id = '\(id.lowercased)'") == "3")
    }
}

@Suite("Optimistic concurrency")
struct ConcurrencyConflictTests {
    /// A writer that always gets in first: the command is re-run `conflictRetries` times, then refused
    /// with ConcurrencyConflict (409), and nothing is appended.
    @Test(arguments: StoreKind.allCases)
    func aCommandThatLosesEveryRaceIsRetriedThenRefusedWithConcurrencyConflict(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let dependencies = ServiceDependencies(store: store)
            let id = try await dependencies.register()
            try await dependencies.promote(id)
            try await dependencies.demote(id)

            // Read one event behind, the Dataset looks Registered in Production: a discard is decided at
            // version 3, which the store already holds.
            let racing = CountingStore(store, readsOneEventBehind: true)
            let losing = ServiceDependencies(store: racing)
            await #expect(throws: StoreError.concurrencyConflict(StreamID(.dataset, id))) {
                try await losing.discard(id)
            }
            #expect(racing.transactions.value == losing.conflictRetries + 1)
            #expect(try await store.readStream(StreamID(.dataset, id)).map(\.eventType) == ["DatasetRegistered", "DatasetPromoted", "DatasetDemoted"])
            #expect(StoreError.concurrencyConflict(StreamID(.dataset, id)).problem.status == 409)
            #expect(StoreError.concurrencyConflict(StreamID(.dataset, id)).problem.code == "ConcurrencyConflict")
        }
    }
}
