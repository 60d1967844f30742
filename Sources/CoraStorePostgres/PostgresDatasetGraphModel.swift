import CoraData
import CoraKernel
import Foundation
import Logging
import PostgresNIO

/// The graph read models on PostgreSQL — `proj_data_dataset_lineage`, `proj_data_dataset_states`,
/// `proj_data_calibration_citations` — and the walk's reads. Their rows never change once written, so
/// a change is an insert that ignores a row already there.
enum PostgresDatasetGraphModel {
    /// One commit's rows as `cora_commit` reads them, by table; a row's position may be provisional.
    static func commitRows(_ rows: [GraphRow]) -> [String: JSONValue] {
        var lineage: [JSONValue] = [], states: [JSONValue] = [], citations: [JSONValue] = []
        func micros(_ time: Timestamp) -> JSONValue { .integer(Int(time.microsecondsSinceEpoch)) }
        for row in rows {
            switch row {
            case .lineageEdge(let edge):
                lineage.append(["parent": .string(edge.parentID.lowercased), "created": micros(edge.childCreatedAt), "child": .string(edge.childID.lowercased),
                                "position": .integer(Int(edge.position)), "recorded": micros(edge.recordedAt)])
            case .datasetState(let state):
                states.append(["id": .string(state.datasetID.lowercased), "position": .integer(Int(state.position)), "recorded": micros(state.recordedAt),
                               "status": state.status.map { .string($0.rawValue) } ?? .null, "intent": state.intent.map { .string($0.rawValue) } ?? .null])
            case .citation(let citation):
                citations.append(["calibration": .string(citation.calibrationID.lowercased), "created": micros(citation.createdAt),
                                  "id": .string(citation.datasetID.lowercased), "position": .integer(Int(citation.position)), "recorded": micros(citation.recordedAt)])
            }
        }
        return ["lineage": .array(lineage), "states": .array(states), "citations": .array(citations)]
    }

    /// Every graph row the given Datasets own (their parent edges, states, citations), added to `rows`.
    static func rows(_ ids: [UUID], into rows: inout [UUID: DatasetReadModelRows], on connection: PostgresConnection, logger: Logger) async throws {
        let micros = PostgresTime.micros
        for try await (parent, child, created, position, recorded) in try await connection.query("""
            SELECT parent_id, child_id, \(unescaped: micros("child_created_at")), position, \(unescaped: micros("recorded_at"))
            FROM proj_data_dataset_lineage WHERE child_id = ANY(\(ids)::uuid[])
            """, logger: logger).decode((UUID, UUID, Int64, Int64, Int64).self) {
            rows[child]?.parents.insert(LineageEdgeRow(parentID: parent, childID: child, childCreatedAt: Timestamp(microsecondsSinceEpoch: created),
                                                       position: position, recordedAt: Timestamp(microsecondsSinceEpoch: recorded)))
        }
        for try await (id, position, recorded, status, intent) in try await connection.query("""
            SELECT dataset_id, position, \(unescaped: micros("recorded_at")), status, intent FROM proj_data_dataset_states WHERE dataset_id = ANY(\(ids)::uuid[])
            """, logger: logger).decode((UUID, Int64, Int64, String?, String?).self) {
            rows[id]?.states.insert(DatasetStateRow(datasetID: id, position: position, recordedAt: Timestamp(microsecondsSinceEpoch: recorded),
                                                    status: status.flatMap(DatasetStatus.init(rawValue:)), intent: intent.map(Intent.init(rawValue:))))
        }
        for try await (calibration, id, created, position, recorded) in try await connection.query("""
            SELECT calibration_id, dataset_id, \(unescaped: micros("created_at")), position, \(unescaped: micros("recorded_at"))
            FROM proj_data_calibration_citations WHERE dataset_id = ANY(\(ids)::uuid[])
            """, logger: logger).decode((UUID, UUID, Int64, Int64, Int64).self) {
            rows[id]?.citations.insert(CitationRow(calibrationID: calibration, datasetID: id, createdAt: Timestamp(microsecondsSinceEpoch: created),
                                                   position: position, recordedAt: Timestamp(microsecondsSinceEpoch: recorded)))
        }
    }

    /// Deletes these Datasets' graph rows (their parent edges, states, citations); a rebuild writes them
    /// again, as a commit does.
    static func delete(_ ids: [UUID], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("DELETE FROM proj_data_dataset_lineage WHERE child_id = ANY(\(ids)::uuid[])", logger: logger)
        try await connection.query("DELETE FROM proj_data_dataset_states WHERE dataset_id = ANY(\(ids)::uuid[])", logger: logger)
        try await connection.query("DELETE FROM proj_data_calibration_citations WHERE dataset_id = ANY(\(ids)::uuid[])", logger: logger)
    }

    static func deleteOrphans(on connection: PostgresConnection, logger: Logger) async throws -> Set<UUID> {
        var ids = Set<UUID>()
        for (table, owner) in [("proj_data_dataset_lineage", "child_id"), ("proj_data_dataset_states", "dataset_id"), ("proj_data_calibration_citations", "dataset_id")] {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: """
                DELETE FROM \(table) t WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_type = 'Dataset' AND e.stream_id = t.\(owner)) RETURNING \(owner)
                """), logger: logger)
            for try await id in rows.decode(UUID.self) { ids.insert(id) }
        }
        return ids
    }
}

/// A walk's reads in one read-only REPEATABLE READ transaction on one connection: every layer sees the
/// same snapshot of the graph.
struct PostgresGraphSnapshot: DatasetGraphSnapshot, @unchecked Sendable {
    // The connection is owned by the store's `readGraph` for exactly the walk's lifetime; it is not shared.
    let connection: PostgresConnection
    let logger: Logger

    func latestPosition() async throws -> Int64 {
        var latest: Int64 = 0
        for try await position in try await connection.prepared(LatestPosition.self, LatestPosition.query(), logger: logger).decode(Int64.self) { latest = position }
        return latest
    }

    func layer(upstream: [UUID], downstream: [UUID], visibility: GraphVisibility, children wanted: ChildrenWanted) async throws -> GraphLayer {
        var assembly = GraphNodeAssembly()
        var parents: [GraphEdge] = [], children: [GraphEdge] = []
        let rows = try await connection.prepared(GraphLayerQuery.self, GraphLayerQuery.query(upstream: upstream, downstream: downstream, visibility, children: wanted), logger: logger)
        for try await (kind, a, b, name, uri, run, at, status, intent, position) in rows.decode((String, UUID, UUID?, String?, String?, UUID?, Int64, String?, String?, Int64?).self) {
            let time = Timestamp(microsecondsSinceEpoch: at)
            switch kind {
            case "node":
                guard let name, let uri, let position else { throw StoreError.corrupt("unreadable graph node") }
                assembly.add(datasetID: a, name: name, uri: uri, producingRunID: run, createdAt: time, position: position, status: status, intent: intent)
            default:
                guard let b else { throw StoreError.corrupt("unreadable graph edge") }
                let edge = GraphEdge(parentID: a, childID: b, neighbourCreatedAt: time)
                if kind == "parent" { parents.append(edge) } else { children.append(edge) }
            }
        }
        return GraphLayer(nodes: try assembly.nodes(), parents: parents, children: children)
    }

    func citing(_ revision: UUID, visibility: GraphVisibility, limit: Int) async throws -> [UUID] {
        var ids: [UUID] = []
        let rows = try await connection.prepared(CitingQuery.self, CitingQuery.query(revision, visibility, limit: limit), logger: logger)
        for try await id in rows.decode(UUID.self) { ids.append(id) }
        return ids
    }

    enum LatestPosition: FixedShapeStatement {
        static let name = "cora.latest_position"
        static let sql = query().sql
        static var otherValues: PostgresQuery { query() }
        static func query() -> PostgresQuery { "SELECT COALESCE(MAX(position), 0)::int8 FROM events" }
    }

    /// A row visible to the walk: at or before its position, and recorded by its time when it has one.
    static func visible(_ alias: String, position: String, recordedBy: String) -> String {
        "\(alias).position <= \(position) AND \(alias).recorded_at <= COALESCE(timestamptz 'epoch' + \(recordedBy)::int8 * interval '1 microsecond', 'infinity')"
    }

    /// One layer in one statement: each asked node (`$1`) once per visible state row (for
    /// GraphNodeAssembly), the parents of `$2` (with each parent's creation time), and of each parent in
    /// `$3` its first `$6` children (an index range each, however many it has) and its children among `$7`.
    enum GraphLayerQuery: FixedShapeStatement {
        static let name = "cora.graph_layer"
        static let sql = query(upstream: [], downstream: [], GraphVisibility(position: 0), children: .none).sql
        static var otherValues: PostgresQuery {
            query(upstream: [UUID()], downstream: [UUID(), UUID()], GraphVisibility(position: 5, recordedBy: Timestamp(microsecondsSinceEpoch: 9)),
                  children: ChildrenWanted(perParent: 3, known: [UUID()]))
        }

        static func query(upstream: [UUID], downstream: [UUID], _ visibility: GraphVisibility, children wanted: ChildrenWanted) -> PostgresQuery {
            var bindings = PostgresBindings()
            bindings.append(Array(Set(upstream + downstream)))
            bindings.append(upstream)
            bindings.append(downstream)
            bindings.append(visibility.position)
            bindings.append(visibility.recordedBy?.microsecondsSinceEpoch)
            bindings.append(Int64(wanted.perParent))
            bindings.append(wanted.known)
            return PostgresQuery(unsafeSQL: """
                SELECT 'node'::text AS kind, s.dataset_id AS a, NULL::uuid AS b, s.name, s.uri, s.producing_run_id,
                       \(PostgresTime.micros("s.created_at")) AS at, x.status, x.intent, x.position
                FROM proj_data_dataset_summary s JOIN proj_data_dataset_states x ON x.dataset_id = s.dataset_id
                WHERE s.dataset_id = ANY($1::uuid[]) AND \(visible("x", position: "$4", recordedBy: "$5"))
                UNION ALL
                SELECT 'parent', l.parent_id, l.child_id, NULL, NULL, NULL, \(PostgresTime.micros("p.created_at")), NULL, NULL, NULL
                FROM proj_data_dataset_lineage l JOIN proj_data_dataset_summary p ON p.dataset_id = l.parent_id
                WHERE l.child_id = ANY($2::uuid[]) AND \(visible("l", position: "$4", recordedBy: "$5"))
                UNION ALL
                SELECT 'child', l.parent_id, l.child_id, NULL, NULL, NULL, \(PostgresTime.micros("l.child_created_at")), NULL, NULL, NULL
                FROM unnest($3::uuid[]) AS f(parent_id) CROSS JOIN LATERAL (
                    SELECT c.parent_id, c.child_id, c.child_created_at FROM proj_data_dataset_lineage c
                    WHERE c.parent_id = f.parent_id AND \(visible("c", position: "$4", recordedBy: "$5"))
                    ORDER BY c.child_created_at, c.child_id LIMIT $6::int8) l
                UNION ALL
                SELECT 'child', l.parent_id, l.child_id, NULL, NULL, NULL, \(PostgresTime.micros("l.child_created_at")), NULL, NULL, NULL
                FROM proj_data_dataset_lineage l
                WHERE l.parent_id = ANY($3::uuid[]) AND l.child_id = ANY($7::uuid[]) AND \(visible("l", position: "$4", recordedBy: "$5"))
                """, binds: bindings)
        }
    }

    /// The citing Datasets in list order, straight off the citation index.
    enum CitingQuery: FixedShapeStatement {
        static let name = "cora.citing"
        static let sql = query(UUID(), GraphVisibility(position: 0), limit: 1).sql
        static var otherValues: PostgresQuery { query(UUID(), GraphVisibility(position: 9, recordedBy: Timestamp(microsecondsSinceEpoch: 3)), limit: 500) }

        static func query(_ revision: UUID, _ visibility: GraphVisibility, limit: Int) -> PostgresQuery {
            var bindings = PostgresBindings()
            bindings.append(revision)
            bindings.append(visibility.position)
            bindings.append(visibility.recordedBy?.microsecondsSinceEpoch)
            bindings.append(Int64(limit))
            return PostgresQuery(unsafeSQL: """
                SELECT c.dataset_id FROM proj_data_calibration_citations c
                WHERE c.calibration_id = $1 AND \(visible("c", position: "$2", recordedBy: "$3"))
                ORDER BY c.created_at, c.dataset_id LIMIT $4
                """, binds: bindings)
        }
    }
}
