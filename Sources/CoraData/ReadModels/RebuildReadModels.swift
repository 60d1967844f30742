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

    public init(store: any CoraStore, batchSize: Int = 1000) {
        self.store = store
        self.batchSize = batchSize
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
        while true {
            let ids = try await store.datasetStreamIDs(after: after, limit: batchSize)
            guard let last = ids.last else { break }
            after = last
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
            if !stale.isEmpty { try await store.replaceReadModelRows(stale) }
            report.datasetsChecked += ids.count
            progress(report)
        }
        report.orphansDeleted = try await store.deleteReadModelRowsWithoutEvents()
        return report
    }
}
