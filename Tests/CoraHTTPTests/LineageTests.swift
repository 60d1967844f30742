import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

/// Lineage and impact through the router (§11), on both stores.
@Suite("Lineage and impact")
struct LineageTests {
    /// The seed's drift example: raw → reconstruction → segmentation, the segmentation citing a
    /// rotation-centre calibration revision; everything promoted; then the revision drifts.
    struct Drift {
        let revision: String
        let raw: String, reconstruction: String, segmentation: String, other: String
        let beforePromotions: Int64
    }

    static func drift(_ app: Harness) async throws -> Drift {
        let run = try await app.startRun()
        _ = try await app.endRun(run, "Completed")
        let revision = UUID().lowercased
        let raw = try await app.registered(["name": "raw projections", "producing_run_id": .string(run)])
        let reconstruction = try await app.registered(["name": "reconstruction", "derived_from": [.string(raw)], "used_calibrations": [.string(revision)]])
        let segmentation = try await app.registered(["name": "segmentation", "derived_from": [.string(reconstruction)]])
        let other = try await app.registered(["name": "unrelated", "used_calibrations": [.string(UUID().lowercased)]])
        let history = try await app.send(.get, "/datasets/\(segmentation)/history")
        guard case .number(let literal)? = history.json?["events"].flatMap({ if case .array(let events) = $0 { events.last?["position"] } else { nil } }),
              let position = Int64(literal) else { throw ProcessFailureInTest("no position in history") }
        for id in [raw, reconstruction, segmentation] { #expect(try await app.command(id, "promote", reason: "QA passed").status == 204) }
        return Drift(revision: revision, raw: raw, reconstruction: reconstruction, segmentation: segmentation, other: other, beforePromotions: position)
    }

    static func ids(_ reply: Harness.Reply, _ member: String = "nodes") -> [String] {
        guard case .array(let nodes)? = reply.json?[member] else { return [] }
        return nodes.compactMap { if case .string(let id)? = $0["dataset_id"] { id } else { nil } }
    }

    static func edges(_ reply: Harness.Reply) -> [[String]] {
        guard case .array(let edges)? = reply.json?["edges"] else { return [] }
        return edges.map { edge in ["from", "to"].compactMap { if case .string(let id)? = edge[$0] { id } else { nil } } }
    }

    @Test(arguments: StoreKind.allCases)
    func theDriftedRevisionsImpactAndTheLineageBeforeThePromotions(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let drift = try await Self.drift(app)
            let impact = try await app.send(.get, "/calibration-revisions/\(drift.revision)/impact")
            #expect(impact.status == 200)
            #expect(Self.ids(impact) == [drift.reconstruction, drift.segmentation])
            guard case .array(let nodes)? = impact.json?["nodes"] else { Issue.record("no nodes"); return }
            #expect(nodes.map { $0["distance"] } == [1, 2] && nodes.map { $0["cites"] } == [true, false])
            #expect(nodes.allSatisfy { $0["intent"] == "Production" })
            #expect(impact.json?["counts"] == ["citing": 1, "descendants": 1, "production": 2])
            #expect(Self.edges(impact) == [[drift.reconstruction, drift.segmentation]])
            #expect(impact.json?["truncated"] == false)

            let lineage = try await app.send(.get, "/datasets/\(drift.reconstruction)/lineage?as_of_position=\(drift.beforePromotions)")
            #expect(lineage.status == 200)
            #expect(lineage.json?["root"] == .string(drift.reconstruction) && lineage.json?["direction"] == "both" && lineage.json?["depth"] == 3)
            #expect(lineage.json?["as_of"] == ["position": .integer(drift.beforePromotions)])
            #expect(Self.ids(lineage) == [drift.raw, drift.reconstruction, drift.segmentation])
            guard case .array(let before)? = lineage.json?["nodes"] else { Issue.record("no nodes"); return }
            #expect(before.map { $0["distance"] } == [-1, 0, 1])
            #expect(before.allSatisfy { $0["intent"] == "Trial" && $0["status"] == "Registered" }, "as of before the promotions")
            #expect(Set(before.compactMap { node -> String? in if case .object(let members) = node { members.keys.sorted().joined(separator: ",") } else { nil } })
                    == ["created_at,dataset_id,distance,intent,name,producing_run_id,status,uri"])
            #expect(Self.edges(lineage) == [[drift.raw, drift.reconstruction], [drift.reconstruction, drift.segmentation]].sorted { $0.joined() < $1.joined() })

            let now = try await app.send(.get, "/datasets/\(drift.reconstruction)/lineage")
            guard case .array(let current)? = now.json?["nodes"] else { Issue.record("no nodes"); return }
            #expect(current.allSatisfy { $0["intent"] == "Production" })
            guard case .number(let latest)? = now.json?["as_of"]?["position"] else { Issue.record("no as_of"); return }
            #expect(Int64(latest).map { $0 > drift.beforePromotions } == true)
            // Before the root existed: not found; after the latest event: refused.
            #expect(try await app.send(.get, "/datasets/\(drift.segmentation)/lineage?as_of_position=\(drift.beforePromotions - 1)").code == "DatasetNotFound")
            #expect(try await app.send(.get, "/datasets/\(drift.segmentation)/lineage?as_of_position=\(Int64(latest)! + 1)").code == "InvalidRequest")
            // Directions, and a revision nobody cites.
            #expect(Self.ids(try await app.send(.get, "/datasets/\(drift.reconstruction)/lineage?direction=upstream")) == [drift.raw, drift.reconstruction])
            #expect(Self.ids(try await app.send(.get, "/datasets/\(drift.reconstruction)/lineage?direction=downstream")) == [drift.reconstruction, drift.segmentation])
            let nobody = try await app.send(.get, "/calibration-revisions/\(UUID().lowercased)/impact")
            #expect(nobody.status == 200 && Self.ids(nobody).isEmpty && nobody.json?["counts"] == ["citing": 0, "descendants": 0, "production": 0])
            #expect(Self.ids(try await app.send(.get, "/calibration-revisions/\(drift.revision)/impact?depth=0")) == [drift.reconstruction])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func asOfTimeSeesTheEventsRecordedByThen(_ kind: StoreKind) async throws {
        let clock = ManualClock()
        try await Harness.run(kind, clock: clock) { (app: Harness) async throws in
            let parent = try await app.registered()
            clock.advance(seconds: 60)
            let child = try await app.registered(["derived_from": [.string(parent)]])
            let created = try #require(try await app.send(.get, "/datasets/\(child)").string("created_at"))
            let between = try #require(Timestamp(rfc3339: created)).adding(microseconds: -30_000_000)
            let then = try await app.send(.get, "/datasets/\(parent)/lineage?as_of_time=\(between.rfc3339)")
            #expect(Self.ids(then) == [parent] && then.json?["as_of"] == ["time": .string(between.rfc3339)])
            // Any RFC 3339 spelling: an offset, lower case, more fraction digits.
            let offset = try await app.send(.get, "/datasets/\(parent)/lineage?as_of_time=2126-05-19t16:03:07.123456789%2B02:00")
            #expect(Self.ids(offset) == [parent, child])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func everyRefusalHasItsCode(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let id = try await app.registered()
            for query in ["direction=sideways", "depth=0", "depth=11", "max_nodes=0", "max_nodes=2001", "depth=3&depth=3", "as_of_position=-1",
                          "as_of_position=1&as_of_time=2026-05-19T14:03:07Z", "as_of_time=yesterday", "colour=red"] {
                #expect(try await app.send(.get, "/datasets/\(id)/lineage?\(query)").code == "InvalidRequest", "\(query)")
            }
            for query in ["depth=-1", "depth=11", "max_nodes=2001", "direction=both"] {
                #expect(try await app.send(.get, "/calibration-revisions/\(UUID().lowercased)/impact?\(query)").code == "InvalidRequest", "\(query)")
            }
            #expect(try await app.send(.get, "/datasets/\(UUID().lowercased)/lineage").code == "DatasetNotFound")
            #expect(try await app.send(.get, "/datasets/not-a-uuid/lineage").code == "InvalidRequest")
            #expect(try await app.send(.get, "/calibration-revisions/not-a-uuid/impact").code == "InvalidRequest")
            #expect(try await app.send(.get, "/datasets/\(id)/lineage", principal: nil).code == "Unauthenticated")
        }
    }

    /// Ten children each with ten children: the breadth-first layers, then as many of the next as fit.
    @Test(arguments: StoreKind.allCases)
    func maxNodesCutsTheLayerThatDoesNotFitInNodeOrder(_ kind: StoreKind) async throws {
        try await Harness.run(kind, clock: ManualClock()) { (app: Harness) async throws in
            let root = try await app.registered()
            var children: [String] = []
            for _ in 0..<10 { children.append(try await app.registered(["derived_from": [.string(root)]])) }
            var grandchildren: [String] = []
            for child in children.prefix(3) {
                for _ in 0..<4 { grandchildren.append(try await app.registered(["derived_from": [.string(child)]])) }
            }
            let whole = try await app.send(.get, "/datasets/\(root)/lineage?direction=downstream")
            #expect(Self.ids(whole) == [root] + children + grandchildren && whole.json?["truncated"] == false)
            let cut = try await app.send(.get, "/datasets/\(root)/lineage?direction=downstream&max_nodes=15")
            #expect(Self.ids(cut) == [root] + children + grandchildren.prefix(4) && cut.json?["truncated"] == true)
            #expect(Self.edges(cut).count == 14 && Self.edges(cut).allSatisfy { Self.ids(cut).contains($0[0]) && Self.ids(cut).contains($0[1]) })
            let layerCut = try await app.send(.get, "/datasets/\(root)/lineage?max_nodes=5")
            #expect(Self.ids(layerCut) == [root] + children.prefix(4) && layerCut.json?["truncated"] == true)
            let exact = try await app.send(.get, "/datasets/\(root)/lineage?depth=1&max_nodes=11")
            #expect(Self.ids(exact) == [root] + children && exact.json?["truncated"] == false, "depth, not max_nodes, left the rest out")
            #expect(try await app.send(.get, "/datasets/\(root)/lineage?max_nodes=1").json?["truncated"] == true)
        }
    }

    /// A diamond and a discarded, retracted ancestor: shortest distances, every edge among the nodes,
    /// Discarded and Retracted nodes kept.
    @Test(arguments: StoreKind.allCases)
    func diamondsTakeTheShortestDistanceAndKeepEveryEdge(_ kind: StoreKind) async throws {
        try await Harness.run(kind, clock: ManualClock()) { (app: Harness) async throws in
            let top = try await app.registered()
            let left = try await app.registered(["derived_from": [.string(top)]])
            let right = try await app.registered(["derived_from": [.string(left)]])
            let bottom = try await app.registered(["derived_from": [.string(top), .string(right)]])
            #expect(try await app.command(top, "promote").status == 204)
            #expect(try await app.command(top, "demote").status == 204)
            #expect(try await app.command(top, "discard").status == 204)
            let up = try await app.send(.get, "/datasets/\(bottom)/lineage?direction=upstream&depth=1")
            #expect(Self.ids(up) == [top, right, bottom])
            #expect(Set(Self.edges(up)) == [[top, bottom], [right, bottom]])
            let deep = try await app.send(.get, "/datasets/\(bottom)/lineage?direction=upstream")
            #expect(Self.ids(deep) == [left, top, right, bottom])
            guard case .array(let nodes)? = deep.json?["nodes"] else { return }
            #expect(nodes.map { $0["distance"] } == [-2, -1, -1, 0])
            #expect(nodes[1]["status"] == "Discarded" && nodes[1]["intent"] == "Retracted")
            #expect(Set(Self.edges(deep)) == [[top, left], [top, bottom], [left, right], [right, bottom]])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func derivedFromListsTheDirectChildrenInKeysetOrder(_ kind: StoreKind) async throws {
        try await Harness.run(kind, clock: ManualClock()) { (app: Harness) async throws in
            let parent = try await app.registered()
            let calibration = UUID().lowercased
            var children: [String] = []
            for n in 0..<7 {
                children.append(try await app.registered(["derived_from": [.string(parent)], "used_calibrations": n % 2 == 0 ? [.string(calibration)] : []]))
            }
            _ = try await app.registered(["derived_from": [.string(children[0])]])
            _ = try await app.registered()
            #expect(try await app.command(children[2], "discard").status == 204)
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await app.send(.get, "/datasets?derived_from=\(parent)&limit=3" + (cursor.map { "&cursor=\($0)" } ?? ""))
                seen += Self.ids(page, "items")
                cursor = page.string("next_cursor")
            } while cursor != nil
            #expect(seen == children)
            #expect(Self.ids(try await app.send(.get, "/datasets?derived_from=\(parent)&used_calibrations=\(calibration)"), "items") == [children[0], children[2], children[4], children[6]])
            #expect(Self.ids(try await app.send(.get, "/datasets?derived_from=\(parent)&status=Discarded"), "items") == [children[2]])
            #expect(Self.ids(try await app.send(.get, "/datasets?derived_from=\(UUID().lowercased)"), "items").isEmpty)
            #expect(try await app.send(.get, "/datasets?derived_from=\(parent)&derived_from=\(parent)").code == "InvalidRequest")
        }
    }
}

struct ProcessFailureInTest: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
