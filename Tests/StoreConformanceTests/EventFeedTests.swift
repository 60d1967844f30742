import CoraData
import CoraKernel
import CoraStorePostgres
import CoraTestSupport
import Foundation
import PostgresNIO
import Testing

/// Everything the feed must hand out: the whole log, read stream by stream.
private func wholeLog(_ store: any CoraStore, _ streams: [StreamID]) async throws -> [RecordedEvent] {
    try await store.readStreams(streams).values.flatMap { $0 }.sorted { $0.position < $1.position }
}

/// Follows the feed from `after` in pages of `limit` until it has handed out `count` events (or `deadline` passes).
private func follow(_ store: any CoraStore, after: Int64 = 0, limit: Int, streamType: StreamType? = nil, until count: Int,
                    deadline: Duration = .seconds(30)) async throws -> [RecordedEvent] {
    var seen: [RecordedEvent] = []
    var position = after
    let clock = ContinuousClock()
    let end = clock.now + deadline
    while seen.count < count, clock.now < end {
        let page = try await store.readEvents(after: position, limit: limit, streamType: streamType)
        if page.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        seen += page
        position = page.last?.position ?? position
    }
    return seen
}

@Suite("The change feed: every committed event once, in position order")
struct EventFeedTests {
    @Test(arguments: StoreKind.allCases)
    func pagesOfTheFeedAreTheLogInPositionOrderOfEveryStreamType(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let service = ServiceDependencies(store: store)
            let subject = try await service.registerSubject()
            let run = try await service.startRun(subject: subject)
            try await service.endRun(run)
            let raw = try await service.register(["producing_run_id": .string(run.lowercased), "subject_id": .string(subject.lowercased)])
            let derived = try await service.register(["derived_from": [.string(raw.lowercased)]])
            _ = try await service.promote(raw)
            _ = try await service.promote(derived)
            _ = try await service.demote(derived)
            let streams = [StreamID(.subject, subject), StreamID(.run, run), StreamID(.dataset, raw), StreamID(.dataset, derived)]
            let log = try await wholeLog(store, streams)
            #expect(log.count == 8)

            #expect(try await follow(store, limit: 2, until: log.count) == log)
            #expect(try await store.readEvents(after: 0, limit: 1000, streamType: nil) == log)
            for type in StreamType.allCases {
                #expect(try await follow(store, limit: 1, streamType: type, until: log.count { $0.stream.type == type }) == log.filter { $0.stream.type == type })
            }
            let middle = log[4].position
            #expect(try await store.readEvents(after: middle, limit: 3, streamType: nil) == Array(log[5..<8]))
            #expect(try await store.readEvents(after: log.last!.position, limit: 10, streamType: nil) == [])
        }
    }

    /// Many writers commit out of position order; a follower reading all along sees each event once, in order.
    @Test(arguments: StoreKind.allCases)
    func aFollowerDuringConcurrentWritesSeesEveryEventOnceInOrder(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let service = ServiceDependencies(store: store)
            let writers = 8, perWriter = 25
            async let followed = follow(store, limit: 7, until: writers * perWriter, deadline: .seconds(180))
            let ids = try await withThrowingTaskGroup(of: [UUID].self) { group in
                for _ in 0..<writers {
                    group.addTask { var ids: [UUID] = []; for _ in 0..<perWriter { ids.append(try await service.register()) }; return ids }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let seen = try await followed
            let log = try await wholeLog(store, ids.map { StreamID(.dataset, $0) })
            #expect(seen.map(\.position) == log.map(\.position))
            #expect(seen == log)
        }
    }

    /// The wake-up latency of three commits; their median must be under a second (a single one can be
    /// late on a machine the rest of the suite saturates, which is not the store's doing).
    @Test(arguments: StoreKind.allCases)
    func aCommitWakesAFollowerOfTheStoreWithinASecond(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let wakes = Locked(0)
            let watching = Task { try await store.followCommits { wakes.withLock { $0 += 1 } } }
            defer { watching.cancel() }
            // Watching has begun once the store says so (a first wake-up for whatever came before).
            let start = ContinuousClock.now
            while wakes.withLock({ $0 }) == 0, ContinuousClock.now - start < .seconds(10) { try await Task.sleep(for: .milliseconds(5)) }
            #expect(wakes.withLock { $0 } > 0)
            var delays: [Duration] = []
            for _ in 0..<3 {
                let before = wakes.withLock { $0 }
                _ = try await ServiceDependencies(store: store).register()
                let committed = ContinuousClock.now
                while wakes.withLock({ $0 }) == before, ContinuousClock.now - committed < .seconds(10) { try await Task.sleep(for: .milliseconds(5)) }
                #expect(wakes.withLock { $0 } > before)
                delays.append(ContinuousClock.now - committed)
            }
            #expect(delays.sorted()[1] < .seconds(1), "\(delays)")
        }
    }
}

/// A connection of the test's own, beside the store's pool, to hold a transaction or a lock open.
func withRawPostgresConnection<T: Sendable>(_ url: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
    let client = PostgresClient(configuration: try PostgresStore.configuration(url: url))
    let running = Task { await client.run() }
    defer { running.cancel() }
    return try await client.withConnection { try await body($0) }
}

@Suite("The change feed on PostgreSQL: positions taken before commit", .serialized, .enabled(if: StoreKind.allCases.contains(.postgres)))
struct PostgresEventFeedTests {
    static let insertHeldEvent: PostgresQuery = """
        INSERT INTO events (event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at)
        VALUES (gen_random_uuid(), 'Subject', gen_random_uuid(), 1, 'SubjectRegistered', '{"name": "held"}',
                '{"actor_id": "11111111-2222-3333-4444-555555555555", "correlation_id": "aaaaaaaa-0000-4000-8000-000000000001", "causation_id": null, "schema_version": 1}',
                'aaaaaaaa-0000-4000-8000-000000000001', now())
        RETURNING position
        """

    @Test func anEventStillInFlightHoldsBackTheLaterOnesUntilItCommits() async throws {
        let opened = try await StoreKind.postgres.open()
        defer { Task { try? await opened.close() } }
        let store = opened.store
        let service = ServiceDependencies(store: store)
        let first = try await service.register()
        let start = try #require(try await store.readStream(StreamID(.dataset, first)).last?.position)

        let (held, later) = try await withRawPostgresConnection(opened.location) { raw in
            try await raw.query("BEGIN", logger: Logger(label: "test"))
            var held: Int64 = 0
            for try await position in try await raw.query(Self.insertHeldEvent, logger: Logger(label: "test")).decode(Int64.self) { held = position }
            // Two later positions commit while the earlier one is still open.
            let later = [try await service.register(), try await service.register()]
            let during = try await store.readEvents(after: start, limit: 100, streamType: nil)
            #expect(during.isEmpty, "handed out \(during.map(\.position)) while \(held) was in flight")
            #expect(try await store.readEvents(after: start, limit: 100, streamType: .dataset).isEmpty)
            try await raw.query("COMMIT", logger: Logger(label: "test"))
            return (held, later)
        }
        let laterPositions = try await wholeLog(store, later.map { StreamID(.dataset, $0) }).map(\.position)
        #expect(laterPositions.allSatisfy { $0 > held })
        let after = try await store.readEvents(after: start, limit: 100, streamType: nil)
        #expect(after.map(\.position) == [held] + laterPositions)
        #expect(try await store.readEvents(after: start, limit: 100, streamType: .dataset).map(\.position) == laterPositions)
    }

    func readUntil(_ store: any CoraStore, count: Int, streamType: StreamType? = nil) async throws -> [RecordedEvent] {
        let start = ContinuousClock.now
        var read = try await store.readEvents(after: 0, limit: count, streamType: streamType)
        while read.count < count, ContinuousClock.now - start < .seconds(20) {
            try await Task.sleep(for: .milliseconds(20))
            read = try await store.readEvents(after: 0, limit: count, streamType: streamType)
        }
        return read
    }

    @Test func aRolledBackPositionIsAHoleTheFeedStepsOverOnceNoTransactionThatCouldHoldItIsRunning() async throws {
        let opened = try await StoreKind.postgres.open()
        defer { Task { try? await opened.close() } }
        let store = opened.store
        let service = ServiceDependencies(store: store)
        _ = try await service.register()
        try await withRawPostgresConnection(opened.location) { raw in
            try await raw.query("BEGIN", logger: Logger(label: "test"))
            for try await _ in try await raw.query(Self.insertHeldEvent, logger: Logger(label: "test")) {}
            try await raw.query("ROLLBACK", logger: Logger(label: "test"))
        }
        let later = try await service.register()
        // Transaction ids are the cluster's: a transaction in another database (another test) also holds
        // the feed before a hole until it ends, so read until both are handed out.
        let log = try await readUntil(store, count: 2)
        #expect(log.map(\.stream) == [log.first?.stream, StreamID(.dataset, later)])
        guard log.count == 2 else { return }
        #expect(log[1].position == log[0].position + 2)

        // While some writing transaction runs, the hole might be its: the feed stops before it, and
        // steps over it once that transaction ends.
        try await withRawPostgresConnection(opened.location) { raw in
            try await raw.query("BEGIN", logger: Logger(label: "test"))
            for try await _ in try await raw.query("SELECT pg_current_xact_id()", logger: Logger(label: "test")) {}
            let during = try await store.readEvents(after: 0, limit: 2, streamType: nil)
            #expect(during == [log[0]], "\(during.map(\.position)) of \(log.map(\.position))")
            try await raw.query("COMMIT", logger: Logger(label: "test"))
        }
        let ended = try await readUntil(store, count: 2)
        #expect(ended == log, "\(ended.map(\.position)) of \(log.map(\.position))")
        #expect(try await readUntil(store, count: 2, streamType: .dataset) == log)
    }
}
