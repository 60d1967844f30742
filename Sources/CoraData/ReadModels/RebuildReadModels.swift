import CoraKernel
import Foundation

public struct RebuildReport: Sendable, Equatable {
    public var datasetsChecked: Int
    /// Datasets whose rows differed, per read model.
    public var rewritten: [String: Int]
    public var orphansDeleted: Int

    public init(datasetsChecked: Int = 0, rewritten: [String: Int] = [:], orphansDeleted: Int = 0) {
        self.datasetsChecked = datasetsChecked
        self.rewritten = rewritten
        self.orphansDeleted = orphansDeleted
    }

    public var changed: Int { rewritten.values.reduce(0, +) + orphansDeleted }
}

/// Rebuilds every read model from `events` in batches: replay each Dataset stream through the same
/// projections the appends use (in memory), compare with the rows stored, and rewrite the Datasets whose
/// rows differ. Safe while the service runs: it writes only what the events say.
public struct RebuildReadModels: Sendable {
    let store: any CoraStore
    let batchSize: Int
    let jobs: Int
    static let datasetsPerWrite = 250

    public init(store: any CoraStore, batchSize: Int = 1000, jobs: Int = 4) {
        self.store = store
        self.batchSize = batchSize
        self.jobs = max(1, jobs)
    }

    /// The rows the projections make of one stream's events.
    public static func expectedRows(datasetID: UUID, events: [RecordedEvent]) throws(StoreError) -> DatasetReadModelRows {
        var rows = DatasetReadModelRows(datasetID: datasetID)
        for recorded in events {
            guard let event = DomainEvent(recorded) else { throw .corrupt("unreadable \(recorded.eventType) at position \(recorded.position)") }
            for change in ReadModels.changes(for: [AppendedEvent(event: event, envelope: recorded)]) { rows.apply(change) }
        }
        return rows
    }

    public func run(progress: @Sendable (RebuildReport) -> Void = { _ in }) async throws -> RebuildReport {
        var report = RebuildReport()
        var after: UUID?
        // Batches are independent (each owns its Datasets' rows): a few at once keep the store busy
        // while the others fold, which is most of a rebuild's time on a large catalogue.
        try await withThrowingTaskGroup(of: RebuildReport.self) { group in
            var inFlight = 0
            while true {
                let ids = try await store.datasetStreamIDs(after: after, limit: batchSize)
                guard let last = ids.last else { break }
                after = last
                if inFlight == jobs, let done = try await group.next() {
                    report.add(done)
                    inFlight -= 1
                    progress(report)
                }
                group.addTask { try await rebuild(ids) }
                inFlight += 1
            }
            for try await done in group {
                report.add(done)
                progress(report)
            }
        }
        report.orphansDeleted = try await store.deleteReadModelRowsWithoutEvents()
        return report
    }

    private func rebuild(_ ids: [UUID]) async throws -> RebuildReport {
        var report = RebuildReport(datasetsChecked: ids.count)
        let streams = try await store.readStreams(ids.map { StreamID(.dataset, $0) })
        let current = try await store.readModelRows(ids)
        var stale: [DatasetReadModelRows] = []
        for id in ids {
            let expected = try Self.expectedRows(datasetID: id, events: streams[StreamID(.dataset, id)] ?? [])
            let differing = expected.differences(from: current[id] ?? DatasetReadModelRows(datasetID: id))
            guard !differing.isEmpty else { continue }
            stale.append(expected)
            for name in differing { report.rewritten[name, default: 0] += 1 }
        }
        // A few hundred Datasets per transaction keep each well inside the store's deadline.
        for start in stride(from: 0, to: stale.count, by: Self.datasetsPerWrite) {
            try await store.replaceReadModelRows(Array(stale[start..<min(start + Self.datasetsPerWrite, stale.count)]))
        }
        return report
    }
}

extension RebuildReport {
    mutating func add(_ other: RebuildReport) {
        datasetsChecked += other.datasetsChecked
        rewritten.merge(other.rewritten, uniquingKeysWith: +)
        orphansDeleted += other.orphansDeleted
    }
}
