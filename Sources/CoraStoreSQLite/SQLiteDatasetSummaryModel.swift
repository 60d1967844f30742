import CoraData
import CoraKernel
import Foundation
import SQLiteNIO

/// `proj_data_dataset_summary` on SQLite: applying row changes, reading keyset pages (a filtered page is
/// driven by the citation or lineage index, which are ordered like the list), and the rebuild's reads
/// and rewrites.
enum SQLiteDatasetSummaryModel {
    static func apply(_ change: DatasetSummaryChange, on connection: SQLiteConnection) async throws {
        switch change {
        case .upsert(let row):
            let calibrations = row.usedCalibrations.map { JSONValue.string($0.lowercased) }
            _ = try await connection.query("""
                INSERT INTO proj_data_dataset_summary (dataset_id, name, uri, producing_run_id, subject_id, status, used_calibrations, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (dataset_id) DO UPDATE SET name = excluded.name, uri = excluded.uri, producing_run_id = excluded.producing_run_id,
                    subject_id = excluded.subject_id, status = excluded.status, used_calibrations = excluded.used_calibrations,
                    created_at = excluded.created_at, updated_at = excluded.updated_at
                """, [
                    .text(row.datasetID.lowercased), .text(row.name), .text(row.uri), optionalText(row.producingRunID), optionalText(row.subjectID),
                    .text(row.status.rawValue), .text(CanonicalJSON.string(.array(calibrations))),
                    .integer(Int(row.createdAt.microsecondsSinceEpoch)), .integer(Int(row.updatedAt.microsecondsSinceEpoch)),
                ])
        case .setStatus(let datasetID, let status, let updatedAt):
            _ = try await connection.query("UPDATE proj_data_dataset_summary SET status = ?, updated_at = ? WHERE dataset_id = ?",
                                           [.text(status.rawValue), .integer(Int(updatedAt.microsecondsSinceEpoch)), .text(datasetID.lowercased)])
        case .touch(let datasetID, let updatedAt):
            _ = try await connection.query("UPDATE proj_data_dataset_summary SET updated_at = ? WHERE dataset_id = ?",
                                           [.integer(Int(updatedAt.microsecondsSinceEpoch)), .text(datasetID.lowercased)])
        }
    }

    static func optionalText(_ id: UUID?) -> SQLiteData {
        id.map { .text($0.lowercased) } ?? .null
    }

    static let columns = "s.dataset_id, s.name, s.uri, s.producing_run_id, s.subject_id, s.status, s.used_calibrations, s.created_at, s.updated_at"

    /// One keyset page. A filter on `derived_from` or on a calibration drives the page from that index,
    /// `(parent_id, child_created_at, child_id)` or `(calibration_id, created_at, dataset_id)`: one index
    /// range in list order, no sort, so page 1,000 costs what page 1 costs. Further calibrations are
    /// primary-key probes of the citation index.
    static func list(_ filter: DatasetListFilter, after: DatasetListPosition?, limit: Int) -> (sql: String, binds: [SQLiteData]) {
        var binds: [SQLiteData] = []
        var conditions: [String] = []
        var from = "proj_data_dataset_summary s"
        var order = ("s.created_at", "s.dataset_id")
        var calibrations = filter.usedCalibrations[...]
        if let parent = filter.derivedFrom {
            from = "proj_data_dataset_lineage d JOIN proj_data_dataset_summary s ON s.dataset_id = d.child_id"
            order = ("d.child_created_at", "d.child_id")
            conditions.append("d.parent_id = ?")
            binds.append(.text(parent.lowercased))
        } else if let first = calibrations.popFirst() {
            from = "proj_data_calibration_citations c JOIN proj_data_dataset_summary s ON s.dataset_id = c.dataset_id"
            order = ("c.created_at", "c.dataset_id")
            conditions.append("c.calibration_id = ?")
            binds.append(.text(first.lowercased))
        }
        for other in calibrations {
            conditions.append("EXISTS (SELECT 1 FROM proj_data_calibration_citations o WHERE o.calibration_id = ? AND o.created_at = \(order.0) AND o.dataset_id = \(order.1))")
            binds.append(.text(other.lowercased))
        }
        if let status = filter.status { conditions.append("s.status = ?"); binds.append(.text(status.rawValue)) }
        if let runID = filter.producingRunID { conditions.append("s.producing_run_id = ?"); binds.append(.text(runID.lowercased)) }
        if let subjectID = filter.subjectID { conditions.append("s.subject_id = ?"); binds.append(.text(subjectID.lowercased)) }
        if let after {
            conditions.append("(\(order.0), \(order.1)) > (?, ?)")
            binds += [.integer(Int(after.createdAt.microsecondsSinceEpoch)), .text(after.datasetID.lowercased)]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        binds.append(.integer(limit))
        return ("SELECT \(columns) FROM \(from)\(whereClause) ORDER BY \(order.0), \(order.1) LIMIT ?", binds)
    }

    static func row(_ row: SQLiteRow) throws -> DatasetSummaryRow {
        func uuid(_ name: String) -> UUID? { row.column(name)?.string.flatMap(UUID.init(strict:)) }
        guard let datasetID = uuid("dataset_id"), let name = row.column("name")?.string, let uri = row.column("uri")?.string,
              let status = row.column("status")?.string.flatMap(DatasetStatus.init(rawValue:)),
              let calibrationsText = row.column("used_calibrations")?.string,
              case .array(let calibrations) = try JSONParser.parse(calibrationsText),
              let createdAt = row.column("created_at")?.integer, let updatedAt = row.column("updated_at")?.integer
        else { throw StoreError.corrupt("unreadable summary row") }
        let ids = calibrations.compactMap { value -> UUID? in
            guard case .string(let text) = value else { return nil }
            return UUID(strict: text)
        }
        return DatasetSummaryRow(datasetID: datasetID, name: name, uri: uri, producingRunID: uuid("producing_run_id"), subjectID: uuid("subject_id"),
                                 status: status, usedCalibrations: ids, createdAt: Timestamp(microsecondsSinceEpoch: Int64(createdAt)),
                                 updatedAt: Timestamp(microsecondsSinceEpoch: Int64(updatedAt)))
    }

    /// The rows of these Datasets, by id.
    static func rows(_ ids: [UUID], on connection: SQLiteConnection) async throws -> [UUID: DatasetSummaryRow] {
        guard !ids.isEmpty else { return [:] }
        let placeholders = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let rows = try await connection.query("SELECT \(columns) FROM proj_data_dataset_summary s WHERE s.dataset_id IN (\(placeholders))",
                                              ids.map { .text($0.lowercased) })
        var result: [UUID: DatasetSummaryRow] = [:]
        for row in rows {
            let summary = try Self.row(row)
            result[summary.datasetID] = summary
        }
        return result
    }

    /// Replaces one Dataset's rows with `row` (none when nil).
    static func replace(_ datasetID: UUID, with row: DatasetSummaryRow?, on connection: SQLiteConnection) async throws {
        if let row { return try await apply(.upsert(row), on: connection) }
        _ = try await connection.query("DELETE FROM proj_data_dataset_summary WHERE dataset_id = ?", [.text(datasetID.lowercased)])
    }

    /// Deletes rows whose Dataset has no events; returns the Dataset ids they belonged to.
    static func deleteOrphans(on connection: SQLiteConnection) async throws -> Set<String> {
        try await SQLiteReadModelRows.deleteOrphans(table: "proj_data_dataset_summary", owner: "dataset_id", on: connection)
    }
}
