import CoraData
import CoraKernel
import Foundation

/// The lineage as an SVG drawn on the server: one column per distance (ancestors left, descendants
/// right), nodes in the walk's order down each column, coloured by intent with the status marked, each a
/// link to its page. Pure: nodes and edges in, markup out; every string in it is escaped here.
public enum LineagePicture {
    public struct Node: Sendable, Equatable {
        public let id: UUID
        public let name: String
        public let distance: Int
        public let intent: Intent
        public let status: DatasetStatus

        public init(id: UUID, name: String, distance: Int, intent: Intent, status: DatasetStatus) {
            self.id = id
            self.name = name
            self.distance = distance
            self.intent = intent
            self.status = status
        }
    }

    static let nodeWidth = 220, nodeHeight = 30, columnGap = 60, rowGap = 10, margin = 10
    /// Longer names are cut (the full name is the node's tooltip and on its page).
    static let labelCharacters = 30

    /// `link` gives each node's page; `highlighted` is drawn as the picture's centre.
    public static func svg(nodes: [Node], edges: [GraphEdge], highlighted: UUID?, link: (UUID) -> String) -> String {
        let distances = Array(Set(nodes.map(\.distance))).sorted()
        let column = Dictionary(uniqueKeysWithValues: distances.enumerated().map { ($1, $0) })
        var rows: [Int: Int] = [:]
        var places: [UUID: (x: Int, y: Int)] = [:]
        for node in nodes where places[node.id] == nil {
            let row = rows[node.distance, default: 0]
            rows[node.distance] = row + 1
            places[node.id] = (margin + (column[node.distance] ?? 0) * (nodeWidth + columnGap), margin + row * (nodeHeight + rowGap))
        }
        let width = margin * 2 + max(1, distances.count) * nodeWidth + max(0, distances.count - 1) * columnGap
        let height = margin * 2 + max(1, rows.values.max() ?? 1) * (nodeHeight + rowGap) - rowGap
        var out = ""
        out.reserveCapacity(400 + nodes.count * 420 + edges.count * 90)
        out += #"<svg xmlns="http://www.w3.org/2000/svg" class="lineage" role="img" width="\#(width)" height="\#(height)" viewBox="0 0 \#(width) \#(height)">"#
        out += "<title>Lineage: \(nodes.count) Dataset\(nodes.count == 1 ? "" : "s"), ancestors left, descendants right</title>"
        for edge in edges {
            guard let from = places[edge.parentID], let to = places[edge.childID] else { continue }
            let (x1, y1, x2, y2) = (from.x + nodeWidth, from.y + nodeHeight / 2, to.x, to.y + nodeHeight / 2)
            let bend = (x2 - x1) / 2
            out += #"<path class="edge" d="M\#(x1) \#(y1) C\#(x1 + bend) \#(y1) \#(x2 - bend) \#(y2) \#(x2) \#(y2)"/>"#
        }
        for node in nodes {
            guard let place = places[node.id] else { continue }
            var classes = ["node", "intent-\(node.intent.rawValue.lowercased())", "status-\(node.status.rawValue.lowercased())"]
            if node.id == highlighted { classes.append("root") }
            let label = node.name.count > labelCharacters ? String(node.name.prefix(labelCharacters - 1)) + "…" : node.name
            out += #"<a href="\#(escape(link(node.id)))" class="\#(classes.joined(separator: " "))" data-dataset-id="\#(node.id.lowercased)">"#
            out += "<title>\(escape(node.name)) — \(node.intent.rawValue), \(node.status.rawValue)</title>"
            out += #"<rect x="\#(place.x)" y="\#(place.y)" width="\#(nodeWidth)" height="\#(nodeHeight)" rx="4"/>"#
            out += #"<text x="\#(place.x + 8)" y="\#(place.y + nodeHeight / 2 + 5)">\#(escape(label))</text></a>"#
        }
        return out + "</svg>"
    }

    /// Text and attribute values in XML: the five characters that could end either.
    public static func escape(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "'") })
        else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
        return out
    }
}
