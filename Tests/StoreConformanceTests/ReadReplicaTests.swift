import CoraData
import CoraKernel
import CoraStorePostgres
import CoraTestSupport
import Foundation
import Testing

/// Read replicas on a real primary and a hot standby made by `pg_basebackup -R`, both started here.
@Suite("Read replicas: a primary and a hot standby", .serialized, .enabled(if: StoreKind.allCases.contains(.postgres)))
struct ReadReplicaTests {
    /// Runs a step, naming it if it throws (an error alone does not say which step of a long test failed).
    @discardableResult
    func phase<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
        do { return try await body() } catch {
            Issue.record("\(name): \(error)")
            throw error
        }
    }

    @Test(.timeLimit(.minutes(3))) func readsGoToTheStandbyWhileItKeepsUpAndNeverFailWhenItFallsBehindOrGoesAway() async throws {
        let pair = try PostgresCluster.streamingPair()
        let (primaryURL, standbyURL) = try pair.createDatabase("cora_replicas")
        let primary = try PostgresStore(url: primaryURL)
        // The server gives a standby one second; a test process that shares two cores with the rest of the
        // suite gives it the store's usual five, so that a slow answer is not mistaken for a lost standby.
        let standby = try PostgresStore(url: standbyURL, role: .replica)
        let pools = [Task { try await primary.run() }, Task { try await standby.run() }]
        defer { for pool in pools { pool.cancel() } }
        try await primary.migrate()
        let replicas = ReadReplicas(primary: primary, replicas: [.init(name: "standby", store: standby)],
                                    maximumLag: .milliseconds(500), pause: .seconds(1), interval: .milliseconds(50))
        let watch = Task { try await replicas.watch() }
        defer { watch.cancel() }
        let service = ServiceDependencies(store: ReplicatedStore(replicas))
        let stream = { (id: UUID) in StreamID(.dataset, id) }

        // Read-your-writes: a read that asks for the position a write reached sees the write.
        var ids: [UUID] = []
        for _ in 0..<5 {
            let id = try await service.register()
            ids.append(id)
            let pinned = try await service.reading(atLeast: try await primary.headPosition())
            #expect(try await pinned.store.readStream(stream(id)).count == 1)
        }
        // The feed read on the standby is the primary's, even across a gap only the primary can judge.
        _ = try PostgresCluster.query(primaryURL, "SELECT nextval('events_position_seq')")
        ids.append(try await service.register())
        let head = try await primary.headPosition()
        let caughtUp = try await service.reading(atLeast: head)
        #expect(try await caughtUp.store.readEvents(after: 0, limit: 100, streamType: nil) == (try await primary.readEvents(after: 0, limit: 100, streamType: nil)))
        #expect(try await caughtUp.store.readEvents(after: 0, limit: 100, streamType: nil).count == 6)

        // Reads are the standby's: with the primary stopped, GET, list and lineage still answer.
        try pair.stopPrimary()
        try await phase("reads with the primary stopped") { () async throws in
            #expect(try await service.store.readStream(stream(ids[0])).count == 1)
            #expect(try await service.store.listDatasets(DatasetListFilter(), after: nil, limit: 50).count == 6)
            #expect(try await service.store.readGraph { try await $0.latestPosition() } == head)
        }
        try pair.startPrimary()
        // The pool reconnects with a backoff that grew while the primary was away.
        let back = ContinuousClock.now + .seconds(60)
        while (try? await primary.ping()) == nil, ContinuousClock.now < back { try await Task.sleep(for: .milliseconds(250)) }
        _ = try await service.reading(atLeast: head)

        // A standby that falls behind is skipped: with its replay held, a new Dataset is read at once
        // from the primary, with or without asking for the write's position.
        try pair.pauseReplay()
        let late = try await phase("a write after the primary came back") { try await service.register() }
        let position = try await primary.headPosition()
        // Within the lag bound (half a second here; longer if the machine starves the watch) reads leave it.
        let deadline = ContinuousClock.now + .seconds(15)
        while try await service.store.readStream(stream(late)).isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await service.store.readStream(stream(late)).count == 1, "the lagging standby would not have it")
        #expect(try await service.reading(atLeast: position).store.readStream(stream(late)).count == 1)
        #expect(try await standby.readStream(stream(late)).isEmpty, "the standby had indeed not replayed it")
        try pair.resumeReplay()
        _ = try await service.reading(atLeast: position)
        ids.append(late)

        // The standby stops under load: eight readers, not one failed read.
        let known = ids
        let failures = Locked<[String]>([])
        let reads = Locked(0)
        let stopped = Locked(false)
        let readsAfterStop = Locked(0)
        let readers = (0..<8).map { reader in
            Task {
                let deadline = ContinuousClock.now + .seconds(4)
                var n = 0
                while ContinuousClock.now < deadline {
                    do {
                        switch (reader + n) % 3 {
                        case 0: _ = try await service.store.readStream(StreamID(.dataset, known[n % known.count]))
                        case 1: _ = try await service.store.listDatasets(DatasetListFilter(), after: nil, limit: 10)
                        default: _ = try await service.store.readEvents(after: 0, limit: 20, streamType: nil)
                        }
                        reads.withLock { $0 += 1 }
                        if stopped.value { readsAfterStop.withLock { $0 += 1 } }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                    n += 1
                }
            }
        }
        try await Task.sleep(for: .seconds(1))
        try pair.stopStandby()
        stopped.withLock { $0 = true }
        for reader in readers { await reader.value }
        #expect(failures.value.isEmpty, "\(failures.value.prefix(3))")
        #expect(readsAfterStop.value > 0, "\(reads.value) reads, \(readsAfterStop.value) after the standby stopped")
        #expect(try await service.store.readStream(stream(late)).count == 1)
    }
}
