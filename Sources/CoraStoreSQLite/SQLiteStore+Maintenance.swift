import CoraData
import CoraKernel
import Foundation
import SQLiteNIO

// ReadModelMaintenance, part of CoraStore: each read model's own reads and rewrites, called in turn.
extension SQLiteStore {
    public func datasetStreamIDs(after: UUID?, limit: Int) async throws -> [UUID] {
        let rows = try await readOnly { connection in
            try await connection.query(
                "SELECT stream_id FROM events WHERE stream_type = 'Dataset' AND version = 1 AND stream_id > ? ORDER BY stream_id LIMIT ?",
                [.text(after?.lowercased ?? ""), .integer(limit)])
        }
        return rows.compactMap { $0.column("stream_id")?.string.flatMap(UUID.init(strict:)) }
    }

    public func readModelRows(_ ids: [UUID]) async throws -> [UUID: DatasetReadModelRows] {
        try await readOnly { connection in
            let summaries = try await SQLiteDatasetSummaryModel.rows(ids, on: connection)
            var rows = Dictionary(uniqueKeysWithValues: ids.map { ($0, DatasetReadModelRows(datasetID: $0, summary: summaries[$0])) })
            try await SQLiteDatasetGraphModel.rows(ids, into: &rows, on: connection)
            return rows
        }
    }

    public func replaceReadModelRows(_ rows: [DatasetReadModelRows]) async throws {
        try await writing { connection in
            for dataset in rows {
                try await SQLiteDatasetSummaryModel.replace(dataset.datasetID, with: dataset.summary, on: connection)
                try await SQLiteDatasetGraphModel.replace(dataset, on: connection)
            }
        }
    }

    public func deleteReadModelRowsWithoutEvents() async throws -> Int {
        try await writing { connection in
            try await SQLiteDatasetSummaryModel.deleteOrphans(on: connection).union(try await SQLiteDatasetGraphModel.deleteOrphans(on: connection)).count
        }
    }
}
