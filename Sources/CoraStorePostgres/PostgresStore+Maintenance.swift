import CoraData
import CoraKernel
import Foundation
import PostgresNIO

// DatasetSummaryMaintenance, part of CoraStore.
extension PostgresStore {
    public func datasetStreamIDs(after: UUID?, limit: Int) async throws -> [UUID] {
        try await bounded { [self] in
            var ids: [UUID] = []
            let lower = after ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
            let rows = try await client.query("""
                SELECT stream_id FROM events WHERE stream_type = 'Dataset' AND version = 1 AND stream_id > \(lower)
                ORDER BY stream_id LIMIT \(Int64(limit))
                """, logger: logger)
            for try await id in rows.decode(UUID.self) { ids.append(id) }
            return ids
        }
    }

    public func summaryRows(_ ids: [UUID]) async throws -> [UUID: DatasetSummaryRow] {
        try await bounded { [self] in
            var result: [UUID: DatasetSummaryRow] = [:]
            let rows = try await client.query(
                "SELECT \(unescaped: PostgresSummaryQueries.columns) FROM proj_data_dataset_summary WHERE dataset_id = ANY(\(ids)::uuid[])", logger: logger)
            for try await row in rows {
                let summary = try PostgresSummaryQueries.row(row)
                result[summary.datasetID] = summary
            }
            return result
        }
    }

    public func writeSummaryRows(_ rows: [DatasetSummaryRow]) async throws {
        try await bounded { [self] in
            try await client.withTransaction(logger: logger) { connection in
                for row in rows { try await connection.query(PostgresSummaryQueries.upsert(row), logger: logger) }
            }
        }
    }

    public func deleteSummaryRowsWithoutEvents() async throws -> Int {
        try await bounded { [self] in
            var deleted = 0
            let rows = try await client.query("""
                WITH gone AS (
                    DELETE FROM proj_data_dataset_summary s
                    WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_type = 'Dataset' AND e.stream_id = s.dataset_id)
                    RETURNING 1)
                SELECT COUNT(*)::int8 FROM gone
                """, logger: logger)
            for try await count in rows.decode(Int64.self) { deleted = Int(count) }
            return deleted
        }
    }
}
