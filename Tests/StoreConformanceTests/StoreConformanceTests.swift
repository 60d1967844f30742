import CoraData
import CoraKernel
import CoraStorePostgres
import CoraStoreSQLite
import CoraTestSupport
import Foundation
import Synchronization
import Testing

extension StoreKind: CustomTestStringConvertible {
    public var testDescription: String { rawValue }

    func withStore<T>(clock: any WallClock = SystemClock(), retentionSeconds: Int64 = 86_400, _ body: (any CoraStore) async throws -> T) async throws -> T {
        try await withOpened(clock: clock, retentionSeconds: retentionSeconds) { try await body($0.store) }
    }

    func withOpened<T>(clock: any WallClock = SystemClock(), retentionSeconds: Int64 = 86_400, _ body: (OpenedStore) async throws -> T) async throws -> T {
        let opened = try await open(clock: clock, retentionSeconds: retentionSeconds)
        do {
            let result = try await body(opened)
            try await opened.close()
            return result
        } catch {
            try? await opened.close()
            throw error
        }
    }
}

struct Boom: Error {}

@Suite("Event store conformance")
struct StoreConformanceTests {
    let metadata = EventMetadata(actorID: Fixtures.principal, correlationID: UUID(strict: "aaaaaaaa-0000-4000-8000-000000000001")!)

    func pending(_ stream: StreamID, _ type: String, _ n: Int) -> PendingEvent {
        PendingEvent(stream: stream, eventType: type, payload: ["n": .integer(n)], occurredAt: Timestamp(microsecondsSinceEpoch: 1_000_000 + Int64(n)))
    }

    @Test(arguments: StoreKind.allCases)
    func appendsAndLoadsWithEnvelope(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let a = StreamID(.run, SequentialIDs.id(1)), b = StreamID(.subject, SequentialIDs.id(2)), empty = StreamID(.dataset, SequentialIDs.id(3))
            let first = try await store.appending { tx in
                try await tx.append([pending(a, "RunStarted", 1), pending(a, "RunEnded", 2)], metadata: metadata, expectedVersions: [a: 0])
            }
            _ = try await store.appending { tx in try await tx.append([pending(b, "SubjectRegistered", 3)], metadata: metadata, expectedVersions: [b: 0]) }
            #expect(first.map(\.version) == [1, 2])
            let loaded = try await store.inTransaction { tx in try await tx.load([a, b, empty]) }
            #expect(loaded[empty] == [])
            #expect(loaded[a]?.map(\.version) == [1, 2])
            #expect(loaded[a] == first)
            let positions = (loaded[a]! + loaded[b]!).map(\.position)
            #expect(positions == positions.sorted() && Set(positions).count == 3)
            let event = try #require(loaded[b]?.first)
            #expect(event.metadata == metadata)
            #expect(event.payload == ["n": 3])
            #expect(event.occurredAt == Timestamp(microsecondsSinceEpoch: 1_000_003))
            #expect(event.eventID.lowercased.dropFirst(14).first == "7")
            #expect(try await store.readStream(a) == first)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func appendAtAStaleVersionIsAConflict(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let stream = StreamID(.run, SequentialIDs.id(9))
            _ = try await store.appending { tx in try await tx.append([pending(stream, "RunStarted", 1)], metadata: metadata, expectedVersions: [stream: 0]) }
            await #expect(throws: StoreError.concurrencyConflict(stream)) {
                try await store.appending { tx in try await tx.append([pending(stream, "RunStarted", 2)], metadata: metadata, expectedVersions: [stream: 0]) }
            }
            #expect(try await store.readStream(stream).count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFailedTransactionLeavesNothing(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let scope = IdempotencyScope(principal: Fixtures.principal, key: "k")
            await #expect(throws: Boom.self) {
                try await store.inTransaction { tx in
                    _ = try await tx.claimIdempotency(scope, requestHash: "h")
                    let command = try Fixtures.registerCommand(["used_calibrations": [.string(SequentialIDs.id(7).lowercased)]])
                    let context = RegisterDatasetContext(datasetID: SequentialIDs.id(1), now: SystemClock().now())
                    _ = try await tx.append(try RegisterDatasetDecider.decide(command, nil, context).map(DomainEvent.dataset), metadata: metadata, expectedVersions: [:])
                    throw Boom()
                }
            }
            #expect(try await store.readStream(StreamID(.dataset, SequentialIDs.id(1))) == [])
            #expect(try await store.listDatasets(DatasetListFilter(), after: nil, limit: 10) == [])
            #expect(try await store.listDatasets(DatasetListFilter(usedCalibrations: [SequentialIDs.id(7)]), after: nil, limit: 10) == [])
            #expect(try await store.inTransaction { tx in try await tx.claimIdempotency(scope, requestHash: "other") } == .claimed)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func idempotencyClaimsReplayRefuseAndExpire(_ kind: StoreKind) async throws {
        let clock = ManualClock()
        try await kind.withStore(clock: clock, retentionSeconds: 86_400) { (store: any CoraStore) async throws in
            let scope = IdempotencyScope(principal: Fixtures.principal, key: "key-1")
            let otherPrincipal = IdempotencyScope(principal: PrincipalID(SequentialIDs.id(99)), key: "key-1")
            let response = StoredResponse(status: 201, body: ["dataset_id": "x"])
            // A claim that is never completed leaves nothing: the next request may use the key.
            #expect(try await store.inTransaction { tx in try await tx.claimIdempotency(scope, requestHash: "h1") } == .claimed)
            #expect(try await store.inTransaction { tx in try await tx.claimIdempotency(scope, requestHash: "h2") } == .claimed)
            try await store.inTransaction { tx in
                #expect(try await tx.claimIdempotency(scope, requestHash: "h1") == .claimed)
                try await tx.completeIdempotency(scope, requestHash: "h1", response: response)
            }
            #expect(try await store.inTransaction { tx in try await tx.claimIdempotency(scope, requestHash: "h1") } == .replay(response))
            #expect(try await store.inTransaction { tx in try await tx.claimIdempotency(scope, requestHash: "h2") } == .reused)
            #expect(try await store.inTransaction { tx in try await tx.claimIdempotency(otherPrincipal, requestHash: "h2") } == .claimed)
            clock.advance(seconds: 86_399)
            #expect(try await store.inTransaction { tx in try await tx.claimIdempotency(scope, requestHash: "h2") } == .reused)
            clock.advance(seconds: 2)
            // Expired: the key is free again, and completing replaces the old record.
            let second = StoredResponse(status: 201, body: ["dataset_id": "y"])
            try await store.inTransaction { tx in
                #expect(try await tx.claimIdempotency(scope, requestHash: "h2") == .claimed)
                try await tx.completeIdempotency(scope, requestHash: "h2", response: second)
            }
            #expect(try await store.inTransaction { tx in try await tx.claimIdempotency(scope, requestHash: "h2") } == .replay(second))
            #expect(try await store.inTransaction { tx in try await tx.claimIdempotency(scope, requestHash: "h1") } == .reused)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func projectionFollowsEveryDatasetEventInTheSameTransaction(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let dependencies = ServiceDependencies(store: store)
            let calibration = SequentialIDs.id(50)
            let id = try await dependencies.register(["used_calibrations": [.string(calibration.lowercased)]])
            try await dependencies.promote(id)
            let afterPromote = try await store.listDatasets(DatasetListFilter(), after: nil, limit: 10)
            try await dependencies.discard(id)
            let rows = try await store.listDatasets(DatasetListFilter(usedCalibrations: [calibration]), after: nil, limit: 10)
            let dataset = try #require(try DatasetEvolve.fold(try await store.readStream(StreamID(.dataset, id))))
            #expect(rows == [DatasetSummaryRow(dataset)])
            #expect(rows.first?.status == .discarded)
            #expect(afterPromote.first?.updatedAt != rows.first?.updatedAt)
            #expect(try await store.listDatasets(DatasetListFilter(status: .registered), after: nil, limit: 10) == [])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func sameLogicalDatasetGivesByteIdenticalPayloads(_ kind: StoreKind) async throws {
        // Two stores, the same fixed id and clock: the stored payload bytes must match although the
        // request listed the sets in other orders and cases.
        let ids = (1...3).map { SequentialIDs.id(UInt64(100 + $0)) }
        var payloads: [[UInt8]] = []
        for (calibrations, profiles) in [(ids, ["b", "a"]), (ids.reversed(), ["a", " b", "a"])] {
            try await kind.withStore(clock: ManualClock()) { (store: any CoraStore) async throws in
                let dependencies = ServiceDependencies(store: store, clock: ManualClock(), ids: SequentialIDs())
                let id = try await dependencies.register([
                    "used_calibrations": .array(calibrations.enumerated().map { .string($0.offset == 0 ? $0.element.uuidString : $0.element.lowercased) }),
                    "encoding": ["media_type": "application/x-hdf5", "conforms_to": .array(profiles.map(JSONValue.string))],
                ])
                payloads.append(CanonicalJSON.bytes(try await store.readStream(StreamID(.dataset, id))[0].payload))
            }
        }
        #expect(payloads[0] == payloads[1])
    }

    @Test(arguments: StoreKind.allCases)
    func readersAreNotBlockedByAWriteInProgress(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let stream = StreamID(.run, SequentialIDs.id(5))
            _ = try await store.appending { tx in try await tx.append([pending(stream, "RunStarted", 1)], metadata: metadata, expectedVersions: [stream: 0]) }
            // The writer holds its transaction open until the reader has answered (or 30 s pass): a
            // reader blocked by the writer would stall the test instead of passing by luck of timing.
            let writeStarted = AsyncStream<Void>.makeStream()
            let readDone = AsyncStream<Void>.makeStream()
            let writer = Task {
                try await store.inTransaction { tx in
                    _ = try await tx.append([pending(stream, "RunEnded", 2)], metadata: metadata, expectedVersions: [stream: 1])
                    writeStarted.continuation.yield()
                    let deadline = Task { try await Task.sleep(for: .seconds(30)); readDone.continuation.finish() }
                    var answered = false
                    for await _ in readDone.stream { answered = true; break }
                    deadline.cancel()
                    if !answered { throw Boom() }
                }
            }
            for await _ in writeStarted.stream { break }
            let seen = try await store.readStream(stream)
            readDone.continuation.yield()
            #expect(seen.count == 1, "a reader must not see an uncommitted event")
            try await writer.value
            #expect(try await store.readStream(stream).count == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func rebuildRepairsACorruptedProjection(_ kind: StoreKind) async throws {
        try await kind.withOpened { (opened: OpenedStore) async throws in
            let dependencies = ServiceDependencies(store: opened.store)
            let calibration = SequentialIDs.id(77)
            var ids: [UUID] = []
            for n in 0..<25 {
                let parents: [JSONValue] = n > 0 ? [.string(ids[n - 1].lowercased)] : []
                ids.append(try await dependencies.register(["name": .string("dataset \(n)"), "used_calibrations": [.string(calibration.lowercased)],
                                                            "derived_from": .array(parents)]))
            }
            try await dependencies.discard(ids[3])
            let lineageBefore = try await GetDatasetLineageHandler(dependencies).handle(GetDatasetLineage(datasetID: ids[12], depth: 10, maxNodes: 100))
            let before = try await opened.store.listDatasets(DatasetListFilter(), after: nil, limit: 100)
            let rebuild = RebuildReadModels(store: opened.store, batchSize: 7)
            #expect(try await rebuild.run().changed == 0)

            try await opened.execute("UPDATE proj_data_dataset_summary SET name = 'garbage', status = 'Registered' WHERE dataset_id = '\(ids[3].lowercased)'")
            try await opened.execute("DELETE FROM proj_data_dataset_summary WHERE dataset_id = '\(ids[10].lowercased)'")
            try await opened.execute("INSERT INTO proj_data_dataset_summary (dataset_id, name, uri, status, created_at, updated_at) VALUES ('\(SequentialIDs.id(999).lowercased)', 'orphan', 's3://x', 'Registered', \(kind == .sqlite ? "1, 1" : "now(), now()"))")
            // The graph read models: a lost edge, a lost discard, a lost citation, an orphan citation.
            try await opened.execute("DELETE FROM proj_data_dataset_lineage WHERE child_id = '\(ids[6].lowercased)'")
            try await opened.execute("DELETE FROM proj_data_dataset_states WHERE dataset_id = '\(ids[3].lowercased)' AND status = 'Discarded'")
            try await opened.execute("DELETE FROM proj_data_calibration_citations WHERE dataset_id = '\(ids[20].lowercased)'")
            try await opened.execute("INSERT INTO proj_data_calibration_citations (calibration_id, created_at, dataset_id, position, recorded_at) VALUES ('\(calibration.lowercased)', \(kind == .sqlite ? "1" : "now()"), '\(SequentialIDs.id(998).lowercased)', 1, \(kind == .sqlite ? "1" : "now()"))")
            #expect(try await opened.store.listDatasets(DatasetListFilter(), after: nil, limit: 100) != before)
            #expect(try await GetDatasetLineageHandler(dependencies).handle(GetDatasetLineage(datasetID: ids[12], depth: 10, maxNodes: 100)).graph != lineageBefore.graph)

            let progress = Mutex<[Int]>([])
            let report = try await RebuildReadModels(store: opened.store, batchSize: 7).run { step in progress.withLock { $0.append(step.datasetsChecked) } }
            #expect(report == RebuildReport(datasetsChecked: 25, rewritten: ["proj_data_dataset_summary": 2, "proj_data_dataset_lineage": 1,
                                                                             "proj_data_dataset_states": 1, "proj_data_calibration_citations": 1],
                                            orphansDeleted: 2))
            // Batches of 7, 7, 7 and 4 run a few at once: one line per batch, the running total.
            let steps = progress.withLock { $0 }
            #expect(steps.count == 4 && steps.last == 25 && steps == steps.sorted(), "\(steps)")
            #expect(try await opened.store.listDatasets(DatasetListFilter(), after: nil, limit: 100) == before)
            #expect(try await opened.store.listDatasets(DatasetListFilter(usedCalibrations: [calibration]), after: nil, limit: 100).count == 25)
            #expect(try await GetDatasetLineageHandler(dependencies).handle(GetDatasetLineage(datasetID: ids[12], depth: 10, maxNodes: 100)).graph == lineageBefore.graph)
            #expect(try await rebuild.run().changed == 0)
        }
    }
}
