import CoraData
import CoraKernel
import Foundation
import SQLiteNIO

/// The graph read models on SQLite — `proj_data_dataset_lineage`, `proj_data_dataset_states`,
/// `proj_data_calibration_citations` — and the walk's reads. Their rows never change once written, so
/// a change is an insert that ignores a row already there.
enum SQLiteDatasetGraphModel {
    static func insert(_ row: GraphRow, on connection: SQLiteConnection) async throws {
        switch row {
        case .lineageEdge(let row):
            _ = try await connection.query("""
                INSERT INTO proj_data_dataset_lineage (parent_id, child_created_at, child_id, position, recorded_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, [.text(row.parentID.lowercased), micros(row.childCreatedAt), .text(row.childID.lowercased), .integer(Int(row.position)), micros(row.recordedAt)])
        case .datasetState(let row):
            _ = try await connection.query("""
                INSERT INTO proj_data_dataset_states (dataset_id, position, recorded_at, status, intent) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """, [.text(row.datasetID.lowercased), .integer(Int(row.position)), micros(row.recordedAt),
                      row.status.map { .text($0.rawValue) } ?? .null, row.intent.map { .text($0.rawValue) } ?? .null])
        case .citation(let row):
            _ = try await connection.query("""
                INSERT INTO proj_data_calibration_citations (calibration_id, created_at, dataset_id, position, recorded_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, [.text(row.calibrationID.lowercased), micros(row.createdAt), .text(row.datasetID.lowercased), .integer(Int(row.position)), micros(row.recordedAt)])
        }
    }

    static func micros(_ time: Timestamp) -> SQLiteData { .integer(Int(time.microsecondsSinceEpoch)) }

    static func placeholders(_ count: Int) -> String { Array(repeating: "?", count: count).joined(separator: ", ") }

    /// Every graph row the given Datasets own (their parent edges, states, citations), added to `rows`.
    static func rows(_ ids: [UUID], into rows: inout [UUID: DatasetReadModelRows], on connection: SQLiteConnection) async throws {
        guard !ids.isEmpty else { return }
        let binds = ids.map { SQLiteData.text($0.lowercased) }
        let list = placeholders(ids.count)
        for row in try await connection.query("SELECT parent_id, child_created_at, child_id, position, recorded_at FROM proj_data_dataset_lineage WHERE child_id IN (\(list))", binds) {
            guard let parent = uuid(row, "parent_id"), let child = uuid(row, "child_id"), let created = time(row, "child_created_at"),
                  let position = row.column("position")?.integer, let recorded = time(row, "recorded_at") else { throw StoreError.corrupt("unreadable lineage row") }
            rows[child]?.parents.insert(LineageEdgeRow(parentID: parent, childID: child, childCreatedAt: created, position: Int64(position), recordedAt: recorded))
        }
        for row in try await connection.query("SELECT dataset_id, position, recorded_at, status, intent FROM proj_data_dataset_states WHERE dataset_id IN (\(list))", binds) {
            guard let id = uuid(row, "dataset_id"), let position = row.column("position")?.integer, let recorded = time(row, "recorded_at") else {
                throw StoreError.corrupt("unreadable state row")
            }
            rows[id]?.states.insert(DatasetStateRow(datasetID: id, position: Int64(position), recordedAt: recorded,
                                                    status: row.column("status")?.string.flatMap(DatasetStatus.init(rawValue:)),
                                                    intent: row.column("intent")?.string.map(Intent.init(rawValue:))))
        }
        for row in try await connection.query("SELECT calibration_id, created_at, dataset_id, position, recorded_at FROM proj_data_calibration_citations WHERE dataset_id IN (\(list))", binds) {
            guard let calibration = uuid(row, "calibration_id"), let id = uuid(row, "dataset_id"), let created = time(row, "created_at"),
                  let position = row.column("position")?.integer, let recorded = time(row, "recorded_at") else { throw StoreError.corrupt("unreadable citation row") }
            rows[id]?.citations.insert(CitationRow(calibrationID: calibration, datasetID: id, createdAt: created, position: Int64(position), recordedAt: recorded))
        }
    }

    /// Replaces one Dataset's graph rows with the given ones.
    static func replace(_ rows: DatasetReadModelRows, on connection: SQLiteConnection) async throws {
        let id = SQLiteData.text(rows.datasetID.lowercased)
        _ = try await connection.query("DELETE FROM proj_data_dataset_lineage WHERE child_id = ?", [id])
        _ = try await connection.query("DELETE FROM proj_data_dataset_states WHERE dataset_id = ?", [id])
        _ = try await connection.query("DELETE FROM proj_data_calibration_citations WHERE dataset_id = ?", [id])
        for row in rows.graphRows { try await insert(row, on: connection) }
    }

    static func deleteOrphans(on connection: SQLiteConnection) async throws -> Set<String> {
        var ids = try await SQLiteReadModelRows.deleteOrphans(table: "proj_data_dataset_lineage", owner: "child_id", on: connection)
        ids.formUnion(try await SQLiteReadModelRows.deleteOrphans(table: "proj_data_dataset_states", owner: "dataset_id", on: connection))
        ids.formUnion(try await SQLiteReadModelRows.deleteOrphans(table: "proj_data_calibration_citations", owner: "dataset_id", on: connection))
        return ids
    }

    private static func uuid(_ row: SQLiteRow, _ column: String) -> UUID? { row.column(column)?.string.flatMap(UUID.init(strict:)) }
    private static func time(_ row: SQLiteRow, _ column: String) -> Timestamp? { row.column(column)?.integer.map { Timestamp(microsecondsSinceEpoch: Int64($0)) } }
}

enum SQLiteReadModelRows {
    /// Deletes a table's rows whose owning Dataset has no events; returns those Datasets' ids.
    static func deleteOrphans(table: String, owner: String, on connection: SQLiteConnection) async throws -> Set<String> {
        let orphans = "SELECT \(owner) FROM \(table) t WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_type = 'Dataset' AND e.stream_id = t.\(owner))"
        let ids = Set(try await connection.query(orphans).compactMap { $0.column(owner)?.string })
        _ = try await connection.query("DELETE FROM \(table) WHERE \(owner) IN (\(orphans))")
        return ids
    }
}

/// A walk's reads on one reader connection. SQLite's single writer commits in position order and these
/// rows are only ever added, so every read filtered to the walk's position sees the same graph, with no
/// transaction held across the walk.
struct SQLiteGraphSnapshot: DatasetGraphSnapshot {
    let connection: SQLiteConnection

    func latestPosition() async throws -> Int64 {
        Int64(try await connection.query("SELECT COALESCE(MAX(position), 0) AS latest FROM events").first?.column("latest")?.integer ?? 0)
    }

    /// What a row of the walk may see: `position <= ?` and `recorded_at <= ?`, bound in this order.
    private func visible(_ visibility: GraphVisibility) -> [SQLiteData] {
        [.integer(Int(visibility.position)), .integer(Int(visibility.recordedBy?.microsecondsSinceEpoch ?? Int64.max))]
    }

    /// One statement: each asked node once per visible state row (for GraphNodeAssembly), the parents of
    /// `upstream` and the children of `downstream`.
    func layer(upstream: [UUID], downstream: [UUID], visibility: GraphVisibility, children wanted: ChildrenWanted) async throws -> GraphLayer {
        let asked = Array(Set(upstream + downstream))
        let see = visible(visibility)
        var parts = ["""
            SELECT 'node' AS kind, s.dataset_id AS a, NULL AS b, s.name, s.uri, s.producing_run_id, s.created_at AS at, x.status, x.intent, x.position
            FROM proj_data_dataset_summary s JOIN proj_data_dataset_states x ON x.dataset_id = s.dataset_id
            WHERE s.dataset_id IN (\(SQLiteDatasetGraphModel.placeholders(asked.count))) AND x.position <= ? AND x.recorded_at <= ?
            """]
        var binds = asked.map { SQLiteData.text($0.lowercased) } + see
        if !upstream.isEmpty {
            parts.append("""
                SELECT 'parent', l.parent_id, l.child_id, NULL, NULL, NULL, p.created_at, NULL, NULL, NULL
                FROM proj_data_dataset_lineage l JOIN proj_data_dataset_summary p ON p.dataset_id = l.parent_id
                WHERE l.child_id IN (\(SQLiteDatasetGraphModel.placeholders(upstream.count))) AND l.position <= ? AND l.recorded_at <= ?
                """)
            binds += upstream.map { .text($0.lowercased) } + see
        }
        if !downstream.isEmpty, wanted.perParent > 0 {
            // Per parent, its first children in walk order as one JSON array: a subquery with LIMIT for
            // each parent reads an index range of that length, however many children the parent has.
            parts.append("""
                SELECT 'children', f.value, (SELECT json_group_array(json_array(k.child_id, k.child_created_at)) FROM (
                    SELECT c.child_id, c.child_created_at FROM proj_data_dataset_lineage c
                    WHERE c.parent_id = f.value AND c.position <= ? AND c.recorded_at <= ?
                    ORDER BY c.child_created_at, c.child_id LIMIT ?) k), NULL, NULL, NULL, 0, NULL, NULL, NULL
                FROM json_each(?) f
                """)
            binds += see + [.integer(wanted.perParent), .text(CanonicalJSON.string(.array(downstream.map { .string($0.lowercased) })))]
        }
        if !downstream.isEmpty, !wanted.known.isEmpty {
            // And every edge from them to a node the walk already holds.
            parts.append("""
                SELECT 'child', l.parent_id, l.child_id, NULL, NULL, NULL, l.child_created_at, NULL, NULL, NULL
                FROM proj_data_dataset_lineage l
                WHERE l.parent_id IN (\(SQLiteDatasetGraphModel.placeholders(downstream.count))) AND l.child_id IN (\(SQLiteDatasetGraphModel.placeholders(wanted.known.count)))
                  AND l.position <= ? AND l.recorded_at <= ?
                """)
            binds += downstream.map { .text($0.lowercased) } + wanted.known.map { .text($0.lowercased) } + see
        }
        var assembly = GraphNodeAssembly()
        var parents: [GraphEdge] = [], children: [GraphEdge] = []
        for row in try await connection.query(parts.joined(separator: " UNION ALL "), binds) {
            guard let kind = row.column("kind")?.string, let a = row.column("a")?.string.flatMap(UUID.init(strict:)),
                  let at = row.column("at")?.integer.map({ Timestamp(microsecondsSinceEpoch: Int64($0)) }) else { throw StoreError.corrupt("unreadable graph row") }
            switch kind {
            case "children":
                guard case .array(let found)? = row.column("b")?.string.flatMap({ try? JSONParser.parse(Array($0.utf8)) }) else { continue }
                for pair in found {
                    guard case .array(let members) = pair, members.count == 2, case .string(let text) = members[0], let child = UUID(strict: text),
                          case .number(let created) = members[1], let micros = Int64(created) else { throw StoreError.corrupt("unreadable lineage child") }
                    children.append(GraphEdge(parentID: a, childID: child, neighbourCreatedAt: Timestamp(microsecondsSinceEpoch: micros)))
                }
            case "node":
                guard let name = row.column("name")?.string, let uri = row.column("uri")?.string, let position = row.column("position")?.integer else {
                    throw StoreError.corrupt("unreadable graph node")
                }
                assembly.add(datasetID: a, name: name, uri: uri, producingRunID: row.column("producing_run_id")?.string.flatMap(UUID.init(strict:)), createdAt: at,
                             position: Int64(position), status: row.column("status")?.string, intent: row.column("intent")?.string)
            default:
                guard let b = row.column("b")?.string.flatMap(UUID.init(strict:)) else { throw StoreError.corrupt("unreadable graph edge") }
                let edge = GraphEdge(parentID: a, childID: b, neighbourCreatedAt: at)
                if kind == "parent" { parents.append(edge) } else { children.append(edge) }
            }
        }
        return GraphLayer(nodes: try assembly.nodes(), parents: parents, children: children)
    }

    func citing(_ revision: UUID, visibility: GraphVisibility, limit: Int) async throws -> [UUID] {
        try await connection.query("""
            SELECT dataset_id FROM proj_data_calibration_citations WHERE calibration_id = ? AND position <= ? AND recorded_at <= ?
            ORDER BY created_at, dataset_id LIMIT ?
            """, [.text(revision.lowercased)] + visible(visibility) + [.integer(limit)]).compactMap { $0.column("dataset_id")?.string.flatMap(UUID.init(strict:)) }
    }
}
