import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import HTTPTypes
import Testing

@Suite("Positions on writes, read-your-writes on reads")
struct ReadYourWritesTests {
    @Test(arguments: StoreKind.allCases)
    func everyCommandAnswersItsPositionAndAReadWaitsForIt(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let position = HTTPField.Name("Cora-Position")!
            let registered = try await app.register(key: "k1")
            #expect(registered.status == 201)
            let id = try #require(registered.string("dataset_id"))
            let promoted = try await app.send(.post, "/datasets/\(id)/promote", json: ["reason": "QA passed"])
            #expect(promoted.status == 204)
            let history = try await app.send(.get, "/datasets/\(id)/history").json
            guard case .array(let events)? = history?["events"] else { Issue.record("no history"); return }
            #expect(registered.headers[position] == events.first?["position"].map(CanonicalJSON.string))
            #expect(promoted.headers[position] == events.last?["position"].map(CanonicalJSON.string))
            let subject = try await app.send(.post, "/subjects", json: ["name": "pellet"])
            let head = try #require(subject.headers[position].flatMap(Int64.init))
            #expect(head == (try await app.store.headPosition()))
            // A replay appends nothing and answers the latest position, which includes the original's.
            let replay = try await app.register(key: "k1")
            #expect(replay.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(replay.headers[position] == String(head))

            // A read at a position the store has applied is answered; one it has not, 503 after a short wait.
            #expect(try await app.send(.get, "/datasets/\(id)?min_position=\(head)").status == 200)
            #expect(try await app.send(.get, "/datasets/\(id)", headers: ["Cora-Min-Position": String(head)]).status == 200)
            for route in ["/datasets/\(id)/history", "/datasets?limit=5", "/datasets/\(id)/lineage", "/events", "/datasets/\(id)/prov"] {
                let separator = route.contains("?") ? "&" : "?"
                #expect(try await app.send(.get, route + separator + "min_position=\(head)").status == 200, "\(route)")
            }
            let started = ContinuousClock.now
            let ahead = try await app.send(.get, "/datasets/\(id)?min_position=\(head + 1)")
            let waited = ContinuousClock.now - started
            #expect(ahead.status == 503 && ahead.code == "StoreUnavailable")
            #expect(ahead.headers[.retryAfter] == "1")
            #expect(waited >= .milliseconds(1900) && waited < .seconds(6), "\(waited)")
            #expect(try await app.send(.get, "/datasets/\(id)?min_position=later").code == "InvalidRequest")
            #expect(try await app.send(.get, "/datasets/\(id)", headers: ["Cora-Min-Position": "-1"]).code == "InvalidRequest")
            // Both forms given: each must be a position, and the higher one is waited for.
            #expect(try await app.send(.get, "/datasets/\(id)?min_position=0", headers: ["Cora-Min-Position": "{}"]).code == "InvalidRequest")
            #expect(try await app.send(.get, "/datasets/\(id)?min_position=0", headers: ["Cora-Min-Position": String(head + 1)]).code == "StoreUnavailable")

            // Waiting ends as soon as the position is applied: a read waiting for the next position is
            // answered by the register that reaches it, if that register commits within the wait bound (on
            // a machine the rest of the suite saturates one may not: then it is tried again).
            var answered = false
            for _ in 0..<3 where !answered {
                let next = try await app.store.headPosition() + 1
                async let read = app.send(.get, "/datasets/\(id)?min_position=\(next)")
                try await Task.sleep(for: .milliseconds(50))
                let writing = ContinuousClock.now
                _ = try await app.register()
                let wrote = ContinuousClock.now - writing
                let status = try await read.status
                if wrote < .milliseconds(1500) {
                    #expect(status == 200, "the register took \(wrote)")
                    answered = true
                }
            }
            #expect(answered, "no register committed within 1.5 s")

            // MCP commands say their position too.
            let mcp = try await MCPSession.open(app)
            let viaMCP = try await mcp.call("register_dataset", Fixtures.registerBody().merging(["idempotency_key": "mcp-1"]))
            guard case .number(let reached)? = viaMCP.structured?["position"] else { Issue.record("no position in \(String(describing: viaMCP.structured))"); return }
            #expect(Int64(reached) == (try await app.store.headPosition()))
        }
    }
}

extension JSONValue {
    func merging(_ other: [String: JSONValue]) -> JSONValue {
        guard case .object(var members) = self else { return self }
        for (name, value) in other { members[name] = value }
        return .object(members)
    }
}
