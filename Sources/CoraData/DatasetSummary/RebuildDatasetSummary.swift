import CoraKernel
import Foundation

/// What a store offers for rebuilding the summary projection from the events.
public protocol DatasetSummaryMaintenance: Sendable {
    /// Ids of Dataset streams, in id order, strictly after `after`.
    func datasetStreamIDs(after: UUID?, limit: Int) async throws -> [UUID]
    /// The current projection rows for these ids (missing ids are absent).
    func summaryRows(_ ids: [UUID]) async throws -> [UUID: DatasetSummaryRow]
    /// Upserts rows in one transaction.
    func writeSummaryRows(_ rows: [DatasetSummaryRow]) async throws
    /// Removes rows whose Dataset has no events; returns how many.
    func deleteSummaryRowsWithoutEvents() async throws -> Int
}

public struct RebuildReport: Sendable, Equatable {
    public init(datasetsChecked: Int = 0, rowsRewritten: Int = 0, orphanRowsDeleted: Int = 0) {
        self.datasetsChecked = datasetsChecked
        self.rowsRewritten = rowsRewritten
        self.orphanRowsDeleted = orphanRowsDeleted
    }

    public var datasetsChecked: Int
    public var rowsRewritten: Int
    public var orphanRowsDeleted: Int
    public var rowsChanged: Int { rowsRewritten + orphanRowsDeleted }
}

/// Rebuilds `proj_data_dataset_summary` from `events` in batches: fold each Dataset stream, compare with
/// its row, rewrite the rows that differ. Safe while the service runs (upserts of what the events say).
public struct RebuildDatasetSummary: Sendable {
    let store: any CoraStore
    let batchSize: Int

    public init(store: any CoraStore, batchSize: Int = 1000) {
        self.store = store
        self.batchSize = batchSize
    }

    public func run(progress: @Sendable (RebuildReport) -> Void = { _ in }) async throws -> RebuildReport {
        var report = RebuildReport()
        var after: UUID?
        while true {
            let ids = try await store.datasetStreamIDs(after: after, limit: batchSize)
            guard let last = ids.last else { break }
            after = last
            let streams = try await store.readStreams(ids.map { StreamID(.dataset, $0) })
            let current = try await store.summaryRows(ids)
            var stale: [DatasetSummaryRow] = []
            for id in ids {
                guard let dataset = try DatasetEvolve.fold(streams[StreamID(.dataset, id)] ?? []) else { continue }
                let expected = DatasetSummaryRow(dataset)
                if current[id] != expected { stale.append(expected) }
            }
            if !stale.isEmpty { try await store.writeSummaryRows(stale) }
            report.datasetsChecked += ids.count
            report.rowsRewritten += stale.count
            progress(report)
        }
        report.orphanRowsDeleted = try await store.deleteSummaryRowsWithoutEvents()
        return report
    }
}
