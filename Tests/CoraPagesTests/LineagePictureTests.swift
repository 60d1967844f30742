import CoraData
import CoraKernel
import CoraPages
import Foundation
import Testing

@Suite("The lineage picture")
struct LineagePictureTests {
    static func node(_ n: Int, _ distance: Int, _ intent: Intent = .trial, _ status: DatasetStatus = .registered, name: String? = nil) -> LineagePicture.Node {
        LineagePicture.Node(id: id(n), name: name ?? "node \(n)", distance: distance, intent: intent, status: status)
    }

    static func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-4000-8000-%012d", n))! }

    static func edge(_ parent: Int, _ child: Int) -> GraphEdge { GraphEdge(parentID: id(parent), childID: id(child), neighbourCreatedAt: Timestamp(microsecondsSinceEpoch: 0)) }

    /// `x` of each node's box, by node id, read back from the markup.
    static func columns(_ svg: String) -> [String: Int] {
        var found: [String: Int] = [:]
        for part in svg.components(separatedBy: "data-dataset-id=\"").dropFirst() {
            let id = String(part.prefix(36))
            guard let x = part.range(of: "<rect x=\"").map({ part[$0.upperBound...].prefix { $0.isNumber } }) else { continue }
            found[id] = Int(x)
        }
        return found
    }

    @Test func ancestorsAreLeftDescendantsRightOneColumnPerDistance() {
        let nodes = [Self.node(1, 0), Self.node(2, -1), Self.node(3, -2), Self.node(4, 1), Self.node(5, 1), Self.node(6, -1)]
        let svg = LineagePicture.svg(nodes: nodes, edges: [Self.edge(3, 2), Self.edge(2, 1), Self.edge(6, 1), Self.edge(1, 4), Self.edge(1, 5)],
                                     highlighted: Self.id(1)) { "/ui/datasets/\($0.lowercased)" }
        let x = Self.columns(svg)
        let at = { (n: Int) in x[Self.id(n).lowercased] ?? -1 }
        #expect(at(3) < at(2) && at(2) == at(6) && at(6) < at(1) && at(1) < at(4) && at(4) == at(5))
        #expect(svg.components(separatedBy: "<a href=").count - 1 == nodes.count, "one link per node")
        #expect(svg.components(separatedBy: "class=\"edge\"").count - 1 == 5, "one path per edge")
        #expect(svg.contains(#"href="/ui/datasets/\#(Self.id(4).lowercased)""#))
        #expect(svg.contains(#"class="node intent-trial status-registered root""#), "the page's Dataset is marked")
    }

    @Test func intentIsTheColourAndStatusIsMarked() {
        let svg = LineagePicture.svg(nodes: [Self.node(1, 0, .production), Self.node(2, 1, .retracted, .discarded)], edges: [Self.edge(1, 2)], highlighted: nil) { _ in "#" }
        #expect(svg.contains(#"class="node intent-production status-registered""#))
        #expect(svg.contains(#"class="node intent-retracted status-discarded""#))
    }

    @Test func everyNameIsEscapedAndLongOnesAreCut() {
        let hostile = #"<script>alert("x")</script> & 'friends'"#
        let svg = LineagePicture.svg(nodes: [Self.node(1, 0, name: hostile), Self.node(2, 1, name: String(repeating: "a", count: 80))], edges: [], highlighted: nil) { _ in "/x?a=1&b=<2>" }
        #expect(!svg.contains("<script>") && !svg.contains("alert(\"x\")"))
        #expect(svg.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;friends&#39;"), "the full name in the tooltip")
        #expect(svg.contains(#"href="/x?a=1&amp;b=&lt;2&gt;""#))
        #expect(svg.contains(String(repeating: "a", count: 29) + "…") && !svg.contains(String(repeating: "a", count: 31) + "<"))
    }

    /// Two hundred nodes stay legible: every box its own place, none overlapping, the picture as large as they need.
    @Test func twoHundredNodesDoNotOverlap() {
        var nodes = [Self.node(0, 0)]
        for n in 1...199 { nodes.append(Self.node(n, n % 4 - 2 == 0 ? 1 : n % 4 - 2)) }
        let svg = LineagePicture.svg(nodes: nodes, edges: [], highlighted: Self.id(0)) { _ in "#" }
        var boxes = Set<String>()
        for part in svg.components(separatedBy: "<rect ").dropFirst() { boxes.insert(String(part.prefix { $0 != "/" })) }
        #expect(boxes.count == 200)
        #expect(svg.count < 120_000, "a 200-node picture stays small: \(svg.count) characters")
    }

    @Test func anEmptyWalkIsAnEmptyPicture() {
        let svg = LineagePicture.svg(nodes: [], edges: [Self.edge(1, 2)], highlighted: nil) { _ in "#" }
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>") && !svg.contains("<a "))
    }
}
