import CoraData
import CoraKernel
import Foundation
import Logging
import PostgresNIO

/// `proj_data_dataset_summary` on PostgreSQL (the seed's table and indexes): applying row changes, keyset
/// pages, and the rebuild's reads and rewrites.
enum PostgresDatasetSummaryModel {
    /// One commit's changes as `cora_commit` reads them: `summaries` to upsert, `updates` of status
    /// (absent for a touch) and time.
    static func commitRows(_ changes: [DatasetSummaryChange]) -> [String: JSONValue] {
        var summaries: [JSONValue] = []
        var updates: [JSONValue] = []
        for change in changes {
            switch change {
            case .upsert(let row):
                summaries.append([
                    "id": .string(row.datasetID.lowercased), "name": .string(row.name), "uri": .string(row.uri),
                    "run": row.producingRunID.map { .string($0.lowercased) } ?? .null, "subject": row.subjectID.map { .string($0.lowercased) } ?? .null,
                    "status": .string(row.status.rawValue), "calibrations": .array(row.usedCalibrations.map { .string($0.lowercased) }),
                    "created": .integer(Int(row.createdAt.microsecondsSinceEpoch)), "updated": .integer(Int(row.updatedAt.microsecondsSinceEpoch)),
                ])
            case .setStatus(let datasetID, let status, let updatedAt):
                updates.append(["id": .string(datasetID.lowercased), "status": .string(status.rawValue), "updated": .integer(Int(updatedAt.microsecondsSinceEpoch))])
            case .touch(let datasetID, let updatedAt):
                updates.append(["id": .string(datasetID.lowercased), "status": .null, "updated": .integer(Int(updatedAt.microsecondsSinceEpoch))])
            }
        }
        return ["summaries": .array(summaries), "updates": .array(updates)]
    }

    static let columns = """
        s.dataset_id, s.name, s.uri, s.producing_run_id, s.subject_id, s.status, s.used_calibrations,
        (extract(epoch FROM s.created_at) * 1000000)::int8, (extract(epoch FROM s.updated_at) * 1000000)::int8
        """

    /// One keyset page in `(created_at, dataset_id)` order; the keyset predicate is a row comparison the
    /// index driving the page serves. A `derived_from` filter drives it from the lineage index
    /// `(parent_id, child_created_at, child_id)` and a calibration filter from the citation index
    /// `(calibration_id, created_at, dataset_id)`, both ordered like the list, so page 1,000 costs what
    /// page 1 costs however many Datasets cite the calibration (through the GIN index, a popular one was
    /// a bitmap of every citing row, sorted). Any further ids are checked with `@>` on the row.
    static func list(_ filter: DatasetListFilter, after: DatasetListPosition?, limit: Int) -> PostgresQuery {
        var bindings = PostgresBindings()
        var conditions: [String] = []
        func parameter(_ append: (inout PostgresBindings) -> Void) -> String {
            append(&bindings)
            return "$\(bindings.count)"
        }
        var from = "proj_data_dataset_summary s"
        var order = ("s.created_at", "s.dataset_id")
        // Ids checked with `@>` on the row: all but one that drives the page from the citation index.
        var contained = filter.usedCalibrations
        if let parent = filter.derivedFrom {
            from = "proj_data_dataset_lineage d JOIN proj_data_dataset_summary s ON s.dataset_id = d.child_id"
            order = ("d.child_created_at", "d.child_id")
            conditions.append("d.parent_id = \(parameter { $0.append(parent) })")
        } else if let cited = filter.usedCalibrations.first {
            from = "proj_data_calibration_citations c JOIN proj_data_dataset_summary s ON s.dataset_id = c.dataset_id"
            order = ("c.created_at", "c.dataset_id")
            conditions.append("c.calibration_id = \(parameter { $0.append(cited) })")
            // No second check of the driving id: a `@>` on it too made the planner misjudge how many rows
            // pass and start a parallel worker for a 50-row page (7 ms, not 0.6).
            contained.removeFirst()
        }
        if !contained.isEmpty {
            conditions.append("s.used_calibrations @> \(parameter { $0.append(contained) })::uuid[]")
        }
        if let status = filter.status { conditions.append("s.status = \(parameter { $0.append(status.rawValue) })") }
        if let runID = filter.producingRunID { conditions.append("s.producing_run_id = \(parameter { $0.append(runID) })") }
        if let subjectID = filter.subjectID { conditions.append("s.subject_id = \(parameter { $0.append(subjectID) })") }
        if let after {
            let micros = parameter { $0.append(after.createdAt.microsecondsSinceEpoch) }
            let id = parameter { $0.append(after.datasetID) }
            conditions.append("(\(order.0), \(order.1)) > (timestamptz 'epoch' + \(micros)::int8 * interval '1 microsecond', \(id)::uuid)")
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let limitParameter = parameter { $0.append(Int64(limit)) }
        return PostgresQuery(unsafeSQL: "SELECT \(columns) FROM \(from)\(whereClause) ORDER BY \(order.0), \(order.1) LIMIT \(limitParameter)",
                             binds: bindings)
    }

    static func row(_ row: PostgresRow) throws -> DatasetSummaryRow {
        let (datasetID, name, uri, runID, subjectID, status, calibrations, createdAt, updatedAt) =
            try row.decode((UUID, String, String, UUID?, UUID?, String, [UUID], Int64, Int64).self)
        guard let status = DatasetStatus(rawValue: status) else { throw StoreError.corrupt("unknown status \(status)") }
        return DatasetSummaryRow(datasetID: datasetID, name: name, uri: uri, producingRunID: runID, subjectID: subjectID, status: status,
                                 usedCalibrations: calibrations, createdAt: Timestamp(microsecondsSinceEpoch: createdAt),
                                 updatedAt: Timestamp(microsecondsSinceEpoch: updatedAt))
    }

    /// The rows of these Datasets, by id.
    static func rows(_ ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws -> [UUID: DatasetSummaryRow] {
        var result: [UUID: DatasetSummaryRow] = [:]
        for try await row in try await connection.query("SELECT \(unescaped: columns) FROM proj_data_dataset_summary s WHERE s.dataset_id = ANY(\(ids)::uuid[])", logger: logger) {
            let summary = try Self.row(row)
            result[summary.datasetID] = summary
        }
        return result
    }

    /// Deletes these Datasets' rows (a rebuild writes them again, as a commit does).
    static func delete(_ ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM proj_data_dataset_summary WHERE dataset_id = ANY(\(ids)::uuid[])", logger: logger)
    }

    /// Deletes rows whose Dataset has no events; returns the Dataset ids they belonged to.
    static func deleteOrphans(on connection: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        var ids = Set<UUID>()
        let rows = try await connection.query("""
            DELETE FROM proj_data_dataset_summary s
            WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_type = 'Dataset' AND e.stream_id = s.dataset_id)
            RETURNING dataset_id
            """, logger: logger)
        for try await id in rows.decode(UUID.self) { ids.insert(id) }
        return ids
    }
}
