import CoraData
import CoraKernel
import Foundation
import SQLiteNIO

// DatasetSummaryMaintenance, part of CoraStore.
extension SQLiteStore {
    public func datasetStreamIDs(after: UUID?, limit: Int) async throws -> [UUID] {
        let rows = try await readOnly { connection in
            try await connection.query(
                "SELECT stream_id FROM events WHERE stream_type = 'Dataset' AND version = 1 AND stream_id > ? ORDER BY stream_id LIMIT ?",
                [.text(after?.lowercased ?? ""), .integer(limit)])
        }
        return rows.compactMap { $0.column("stream_id")?.string.flatMap(UUID.init(strict:)) }
    }

    public func summaryRows(_ ids: [UUID]) async throws -> [UUID: DatasetSummaryRow] {
        guard !ids.isEmpty else { return [:] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let rows = try await readOnly { connection in
            try await connection.query("SELECT \(SQLiteSummaryQueries.columns) FROM proj_data_dataset_summary s WHERE s.dataset_id IN (\(placeholders))",
                                       ids.map { .text($0.lowercased) })
        }
        return Dictionary(uniqueKeysWithValues: try rows.map { row in
            let summary = try SQLiteSummaryQueries.row(row)
            return (summary.datasetID, summary)
        })
    }

    public func writeSummaryRows(_ rows: [DatasetSummaryRow]) async throws {
        try await writing { connection in
            for row in rows { try await SQLiteSummaryQueries.apply(.upsert(row), on: connection) }
        }
    }

    public func deleteSummaryRowsWithoutEvents() async throws -> Int {
        try await writing { connection in
            let orphans = "SELECT dataset_id FROM proj_data_dataset_summary s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_type = 'Dataset' AND e.stream_id = s.dataset_id)"
            let count = try await connection.query("SELECT COUNT(*) AS n FROM (\(orphans))").first?.column("n")?.integer ?? 0
            _ = try await connection.query("DELETE FROM proj_data_dataset_used_calibrations WHERE dataset_id IN (\(orphans))")
            _ = try await connection.query("DELETE FROM proj_data_dataset_summary WHERE dataset_id IN (\(orphans))")
            return count
        }
    }
}
