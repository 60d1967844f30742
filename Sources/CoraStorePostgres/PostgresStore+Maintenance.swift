import CoraData
import CoraKernel
import Foundation
import PostgresNIO

// ReadModelMaintenance, part of CoraStore: each read model's own reads and rewrites, called in turn.
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

    public func readModelRows(_ ids: [UUID]) async throws -> [UUID: DatasetReadModelRows] {
        try await bounded { [self] in
            try await client.withConnection { connection in
                let summaries = try await PostgresDatasetSummaryModel.rows(ids, on: connection, logger: logger)
                var rows = Dictionary(uniqueKeysWithValues: ids.map { ($0, DatasetReadModelRows(datasetID: $0, summary: summaries[$0])) })
                try await PostgresDatasetGraphModel.rows(ids, into: &rows, on: connection, logger: logger)
                return rows
            }
        }
    }

    public func replaceReadModelRows(_ rows: [DatasetReadModelRows]) async throws {
        try await bounded { [self] in
            try await client.withTransaction(logger: logger) { connection in
                let ids = rows.map(\.datasetID)
                try await PostgresDatasetSummaryModel.delete(ids, on: connection, logger: logger)
                try await PostgresDatasetGraphModel.delete(ids, on: connection, logger: logger)
                // Written again the way a command's commit writes them: one statement, and one place that
                // turns rows into SQL (`cora_commit` with no key and no events writes read models only).
                let changes = rows.flatMap { dataset in
                    (dataset.summary.map { [ReadModelChange.datasetSummary(.upsert($0))] } ?? []) + dataset.graphRows.map(ReadModelChange.graph)
                }
                let write = CommitCommand.query([], readModels: PostgresTransaction.readModelDocument(changes), completion: nil, now: 0, expiredBefore: 0)
                try await connection.preparedCommand(CommitCommand.self, write, logger: logger)
            }
        }
    }

    public func deleteReadModelRowsWithoutEvents() async throws -> Int {
        try await bounded(within: Self.maintenanceTimeout) { [self] in
            try await client.withTransaction(logger: logger) { connection in
                try await PostgresDatasetSummaryModel.deleteOrphans(on: connection, logger: logger)
                    .union(try await PostgresDatasetGraphModel.deleteOrphans(on: connection, logger: logger)).count
            }
        }
    }
}
