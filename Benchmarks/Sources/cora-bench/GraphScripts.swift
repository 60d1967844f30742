import Foundation

/// pgbench scripts that replay, statement for statement, the walks the PostgreSQL store runs for a
/// lineage or impact request: the same SQL text (PostgresGraphSnapshot), the ids of each layer as the
/// service found them, in one read-only REPEATABLE READ transaction. They give the database's own cost
/// of the walk, without the server around it.
enum GraphScripts {
    static func array(_ ids: [String]) -> String { "ARRAY[" + ids.map { "'\($0)'" }.joined(separator: ",") + "]::uuid[]" }

    static func visible(_ alias: String, position: String) -> String {
        "\(alias).position <= \(position) AND \(alias).recorded_at <= COALESCE(timestamptz 'epoch' + NULL::int8 * interval '1 microsecond', 'infinity')"
    }

    /// PostgresGraphSnapshot.GraphLayerQuery with its parameters written in: `perParent` children of
    /// each downstream node, and those among `known`.
    static func layer(up: [String], down: [String], position: String, perParent: Int, known: [String]) -> String {
        let micros = { (column: String) in "(extract(epoch FROM \(column)) * 1000000)::int8" }
        let asked = Array(Set(up + down))
        return """
            SELECT 'node'::text AS kind, s.dataset_id AS a, NULL::uuid AS b, s.name, s.uri, s.producing_run_id, \(micros("s.created_at")) AS at, \
            x.status, x.intent, x.position FROM proj_data_dataset_summary s JOIN proj_data_dataset_states x ON x.dataset_id = s.dataset_id \
            WHERE s.dataset_id = ANY(\(array(asked))) AND \(visible("x", position: position)) \
            UNION ALL SELECT 'parent', l.parent_id, l.child_id, NULL, NULL, NULL, \(micros("p.created_at")), NULL, NULL, NULL \
            FROM proj_data_dataset_lineage l JOIN proj_data_dataset_summary p ON p.dataset_id = l.parent_id \
            WHERE l.child_id = ANY(\(array(up))) AND \(visible("l", position: position)) \
            UNION ALL SELECT 'child', l.parent_id, l.child_id, NULL, NULL, NULL, \(micros("l.child_created_at")), NULL, NULL, NULL \
            FROM unnest(\(array(down))) AS f(parent_id) CROSS JOIN LATERAL (SELECT c.parent_id, c.child_id, c.child_created_at \
            FROM proj_data_dataset_lineage c WHERE c.parent_id = f.parent_id AND \(visible("c", position: position)) \
            ORDER BY c.child_created_at, c.child_id LIMIT \(perParent)) l \
            UNION ALL SELECT 'child', l.parent_id, l.child_id, NULL, NULL, NULL, \(micros("l.child_created_at")), NULL, NULL, NULL \
            FROM proj_data_dataset_lineage l WHERE l.parent_id = ANY(\(array(down))) AND l.child_id = ANY(\(array(known))) AND \(visible("l", position: position));
            """
    }

    static let latest = "SELECT COALESCE(MAX(position), 0)::int8 FROM events;"

    /// The nodes of a lineage or impact answer, by distance.
    static func layers(_ answer: [String: Any]) -> (position: String, byDistance: [Int: [String]]) {
        var byDistance: [Int: [String]] = [:]
        for node in answer["nodes"] as? [[String: Any]] ?? [] {
            if let id = node["dataset_id"] as? String, let distance = node["distance"] as? Int { byDistance[distance, default: []].append(id) }
        }
        let position = ((answer["as_of"] as? [String: Any])?["position"] as? Int).map(String.init) ?? "0"
        return (position, byDistance)
    }

    /// The walk from a root in both directions: layer k asks the ancestors at −k and the descendants at +k.
    static func lineage(_ answer: [String: Any], root: String) -> String {
        let (position, layers) = layers(answer)
        var statements = ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;", latest, layer(up: [root], down: [root], position: position, perParent: 501, known: [root])]
        var known = [root]
        for distance in 1...3 {
            let up = layers[-distance] ?? [], down = layers[distance] ?? []
            if up.isEmpty, down.isEmpty { break }
            known += up + down
            statements.append(layer(up: up, down: down, position: position, perParent: distance < 3 ? 501 : 0, known: down.isEmpty ? [] : known))
        }
        return (statements + ["COMMIT;"]).joined(separator: "\n") + "\n"
    }

    /// The citing Datasets (PostgresGraphSnapshot.CitingQuery), then the layers below them.
    static func impact(_ answer: [String: Any], revision: String, maxNodes: Int) -> String {
        let (position, layers) = layers(answer)
        var statements = ["BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;", latest, """
            SELECT c.dataset_id FROM proj_data_calibration_citations c WHERE c.calibration_id = '\(revision)' AND \(visible("c", position: position)) \
            ORDER BY c.created_at, c.dataset_id LIMIT \(maxNodes + 1);
            """]
        var known: [String] = []
        for distance in 1...3 {
            guard let down = layers[distance], !down.isEmpty else { break }
            known += down
            statements.append(layer(up: [], down: down, position: position, perParent: distance < 2 ? maxNodes + 1 : 0, known: known))
        }
        return (statements + ["COMMIT;"]).joined(separator: "\n") + "\n"
    }
}
