import CoraData
import CoraMCP
import CoraKernel
import CoraTestSupport
import CoraWire
import Logging
import Foundation
import MCP
import Testing

/// An MCP client connected in memory to the tool server over the same handlers (and store) as the router.
struct MCPSession {
    let client: MCP.Client

    static func open(_ app: Harness, principal: String = Harness.principal) async throws -> MCPSession {
        let principalID = PrincipalID(try #require(UUID(strict: principal)))
        let server = await CoraMCPServer.make(runner: app.runner, logger: Logger(label: "cora.test.mcp"), exports: app.exports) { CallContext(principal: principalID, correlationID: UUID()) }
        let (clientTransport, serverTransport) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: serverTransport)
        let client = MCP.Client(name: "cora-tests", version: "1")
        _ = try await client.connect(transport: clientTransport)
        return MCPSession(client: client)
    }

    struct Answer {
        let isError: Bool
        let structured: JSONValue?
        let text: String
        var code: String? {
            guard isError, case .string(let code)? = structured?["code"] else { return nil }
            return code
        }
    }

    func call(_ tool: String, _ arguments: JSONValue) async throws -> Answer {
        guard case .object(let members) = arguments else { throw MCPError.invalidParams("arguments") }
        let result = try await client.callTool(name: tool, arguments: members.mapValues(\.mcpValue)).value
        var text = ""
        if case .text(let body, _, _)? = result.content.first { text = body }
        return Answer(isError: result.isError ?? false, structured: result.structuredContent.map(JSONValue.init), text: text)
    }
}

@Suite("MCP tools")
struct MCPToolTests {
    @Test(arguments: StoreKind.allCases)
    func everySliceIsAToolWithSchemas(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let session = try await MCPSession.open(app)
            let tools = try await session.client.listTools().tools
            #expect(Set(tools.map(\.name)) == ["register_dataset", "promote_dataset", "demote_dataset", "discard_dataset", "get_dataset",
                                               "get_dataset_history", "list_datasets", "register_subject", "get_subject", "start_run", "end_run", "get_run",
                                               "get_dataset_lineage", "get_calibration_impact", "export_dataset", "read_events"])
            for tool in tools {
                #expect(tool.description?.isEmpty == false && tool.outputSchema != nil, "\(tool.name)")
                guard case .object(let schema) = tool.inputSchema else { Issue.record("\(tool.name) has no object schema"); continue }
                #expect(schema["additionalProperties"] == .bool(false), "\(tool.name)")
            }
            let register = try #require(tools.first { $0.name == "register_dataset" })
            #expect(JSONValue(register.inputSchema)["required"] == ["name", "uri", "checksum", "byte_size", "encoding", "idempotency_key"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func registerPromoteGetListAndARefusal(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let mcp = try await MCPSession.open(app)
            var arguments = Fixtures.registerBody(["used_calibrations": ["0193a000-0000-7000-8000-000000000001"]])
            if case .object(var members) = arguments { members["idempotency_key"] = "mcp-1"; arguments = .object(members) }
            let registered = try await mcp.call("register_dataset", arguments)
            #expect(!registered.isError)
            guard case .string(let id)? = registered.structured?["dataset_id"] else { Issue.record("no id: \(registered.text)"); return }
            #expect(try JSONParser.parse(registered.text) == registered.structured)
            // The same key over REST is the same key space: a replay, not a second Dataset.
            let replay = try await app.send(.post, "/datasets", headers: ["Idempotency-Key": "mcp-1"], json: Fixtures.registerBody(["used_calibrations": ["0193a000-0000-7000-8000-000000000001"]]))
            #expect(replay.string("dataset_id") == id && replay.headers[.init("Idempotent-Replayed")!] == "true")

            let promoted = try await mcp.call("promote_dataset", ["dataset_id": .string(id), "reason": "qa passed"])
            #expect(promoted.structured?["intent"] == "Production" && promoted.structured?["version"] == 2)
            let got = try await mcp.call("get_dataset", ["dataset_id": .string(id)])
            #expect(got.structured == (try await app.send(.get, "/datasets/\(id)")).json)
            let page = try await mcp.call("list_datasets", ["used_calibrations": ["0193a000-0000-7000-8000-000000000001"], "limit": 10])
            #expect(page.structured == (try await app.send(.get, "/datasets?used_calibrations=0193a000-0000-7000-8000-000000000001&limit=10")).json)

            let again = try await mcp.call("promote_dataset", ["dataset_id": .string(id), "reason": "again"])
            #expect(again.isError && again.code == "DatasetAlreadyPromoted" && again.text.hasPrefix("DatasetAlreadyPromoted: "))
        }
    }
}

/// One table of calls, valid and invalid, for every slice: run through REST on one store and through
/// MCP on another (same fixed clock and ids), they must give the same codes, events and state.
@Suite("REST and MCP are the same service")
struct SurfaceEquivalenceTests {
    static func id(_ n: UInt64) -> JSONValue { .string(SequentialIDs.id(n).lowercased) }
    static let unknown: JSONValue = .string("0193ffff-0000-7000-8000-000000000001")

    static func dataset(_ extra: [String: JSONValue] = [:]) -> JSONValue {
        guard case .object(var members) = Fixtures.registerBody(extra) else { return .null }
        members["idempotency_key"] = .string("key-\(extra.count)-\(extra.keys.sorted().joined())")
        return .object(members)
    }

    /// (tool, arguments, expected code or nil for success). Ids: subject 1, run 2, dataset 3, ...
    static let table: [(String, JSONValue, String?)] = [
        ("register_subject", ["name": "pellet"], nil),
        ("start_run", ["name": "run 7", "subject_id": id(1)], nil),
        ("end_run", ["run_id": id(2), "end_state": "Completed"], nil),
        ("end_run", ["run_id": id(2), "end_state": "Completed"], "RunAlreadyEnded"),
        ("end_run", ["run_id": id(2), "end_state": "Done"], "InvalidRunEndState"),
        ("register_dataset", dataset(["producing_run_id": id(2), "subject_id": id(1), "used_calibrations": [unknown]]), nil),
        ("start_run", ["name": "run 8", "subject_id": unknown], "SubjectNotFound"),
        ("start_run", ["name": ""], "InvalidRunName"),
        ("register_dataset", Fixtures.registerBody(), "IdempotencyKeyMissing"),
        ("register_dataset", dataset(["name": ""]), "InvalidDatasetName"),
        ("register_dataset", dataset(["uri": "JavaScript:alert(1)"]), "InvalidDatasetUri"),
        ("register_dataset", dataset(["byte_size": .number("1.5")]), "InvalidDatasetByteSize"),
        ("register_dataset", dataset(["byte_size": "10"]), "InvalidRequest"),
        ("register_dataset", dataset(["colour": "red"]), "InvalidRequest"),
        ("register_dataset", dataset(["derived_from": ["nope"]]), "InvalidRequest"),
        ("register_dataset", dataset(["producing_run_id": unknown]), "ProducingRunMissing"),
        ("register_dataset", dataset(["derived_from": [unknown]]), "DerivedFromDatasetsMissing"),
        ("promote_dataset", ["dataset_id": id(3), "reason": "qa"], nil),
        ("promote_dataset", ["dataset_id": id(3), "reason": "qa"], "DatasetAlreadyPromoted"),
        ("promote_dataset", ["dataset_id": "nope", "reason": "qa"], "InvalidRequest"),
        ("promote_dataset", ["dataset_id": unknown, "reason": "qa"], "DatasetNotFound"),
        ("promote_dataset", ["dataset_id": id(3)], "InvalidRequest"),
        ("demote_dataset", ["dataset_id": id(3), "reason": ""], "InvalidDemotionReason"),
        ("demote_dataset", ["dataset_id": id(3), "reason": "drift"], nil),
        ("demote_dataset", ["dataset_id": id(3), "reason": "drift"], "DatasetAlreadyRetracted"),
        ("promote_dataset", ["dataset_id": id(3), "reason": "qa"], "DatasetCannotPromote"),
        ("discard_dataset", ["dataset_id": id(3), "reason": "rotated"], nil),
        ("discard_dataset", ["dataset_id": id(3), "reason": "rotated"], "DatasetCannotDiscard"),
        ("register_dataset", dataset(["derived_from": [id(3)]]), "DerivedFromDatasetsDiscarded"),
        ("get_dataset", ["dataset_id": id(3)], nil),
        ("get_dataset", ["dataset_id": unknown], "DatasetNotFound"),
        ("get_dataset_history", ["dataset_id": id(3)], nil),
        ("list_datasets", ["status": "Discarded", "limit": 5], nil),
        ("list_datasets", ["used_calibrations": [unknown]], nil),
        ("list_datasets", ["limit": 0], "InvalidRequest"),
        ("list_datasets", ["cursor": ""], "InvalidCursor"),
        // Two faults: the first check in the contract's order answers, on both surfaces.
        ("register_dataset", Fixtures.registerBody(["colour": "red"]), "IdempotencyKeyMissing"),
        ("register_dataset", dataset(["name": "", "colour": "red"]), "InvalidRequest"),
        ("register_dataset", dataset(["name": "", "producing_run_id": unknown]), "InvalidDatasetName"),
        ("promote_dataset", ["dataset_id": "nope", "reason": ""], "InvalidRequest"),
        ("demote_dataset", ["dataset_id": unknown, "reason": ""], "InvalidDemotionReason"),
        ("list_datasets", ["limit": 0, "cursor": "garbage"], "InvalidRequest"),
        ("list_datasets", ["statuss": "Registered"], "InvalidRequest"),
        ("get_run", ["run_id": id(2)], nil),
        ("get_run", ["run_id": unknown], "RunNotFound"),
        ("get_subject", ["subject_id": id(1)], nil),
        ("get_subject", ["subject_id": "x"], "InvalidRequest"),
    ]

    /// The REST request a tool call corresponds to.
    static func rest(_ app: Harness, _ tool: String, _ arguments: JSONValue) async throws -> Harness.Reply {
        guard case .object(var members) = arguments else { throw RequestError.invalidRequest(field: nil, detail: "arguments") }
        func take(_ name: String) -> String {
            defer { members[name] = nil }
            if case .string(let text)? = members[name] { return text }
            return ""
        }
        switch tool {
        case "register_dataset", "register_subject", "start_run":
            let key = members["idempotency_key"].flatMap { if case .string(let text) = $0 { text } else { nil } }
            members["idempotency_key"] = nil
            let path = ["register_dataset": "/datasets", "register_subject": "/subjects", "start_run": "/runs"][tool] ?? ""
            return try await app.send(.post, path, headers: key.map { ["Idempotency-Key": $0] } ?? [:], json: .object(members))
        case "promote_dataset", "demote_dataset", "discard_dataset":
            let verb = String(tool.prefix { $0 != "_" })
            return try await app.send(.post, "/datasets/\(take("dataset_id"))/\(verb)", json: .object(members))
        case "end_run": return try await app.send(.post, "/runs/\(take("run_id"))/end", json: .object(members))
        case "get_dataset": return try await app.send(.get, "/datasets/\(take("dataset_id"))" + queryString(members))
        case "get_dataset_history": return try await app.send(.get, "/datasets/\(take("dataset_id"))/history" + queryString(members))
        case "get_run": return try await app.send(.get, "/runs/\(take("run_id"))" + queryString(members))
        case "get_subject": return try await app.send(.get, "/subjects/\(take("subject_id"))" + queryString(members))
        default:
            return try await app.send(.get, "/datasets" + queryString(members))
        }
    }

    /// Arguments as the query string REST takes them (arrays repeated).
    static func queryString(_ members: [String: JSONValue]) -> String {
        var query: [String] = []
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .array(let items): query += items.compactMap { if case .string(let text) = $0 { "\(name)=\(text)" } else { nil } }
            case .string(let text): query.append("\(name)=\(text)")
            case .number(let literal): query.append("\(name)=\(literal)")
            default: continue
            }
        }
        return query.isEmpty ? "" : "?" + query.joined(separator: "&")
    }

    /// What the table leaves behind, as readers see it (correlation ids differ by design and are dropped).
    static func state(_ app: Harness) async throws -> [JSONValue?] {
        var history = try await app.send(.get, "/datasets/\(SequentialIDs.id(3).lowercased)/history").json
        if case .object(var members)? = history, case .array(let events)? = members["events"] {
            members["events"] = .array(events.map { event in
                guard case .object(var fields) = event else { return event }
                fields["correlation_id"] = nil
                return .object(fields)
            })
            history = .object(members)
        }
        return [history, try await app.send(.get, "/datasets?limit=100").json,
                try await app.send(.get, "/runs/\(SequentialIDs.id(2).lowercased)").json,
                try await app.send(.get, "/subjects/\(SequentialIDs.id(1).lowercased)").json,
                .integer(try await app.eventCount())]
    }

    @Test(arguments: StoreKind.allCases)
    func readEventsIsTheSameFeedOnBothSurfacesAndNeedsItsGrant(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            var ids: [JSONValue] = []
            for _ in 0..<3 { ids.append(try #require(try await app.register().json?["dataset_id"])) }
            let mcp = try await MCPSession.open(app)
            let rest = try await app.send(.get, "/events?after=1&limit=2")
            #expect(rest.status == 200)
            let viaMCP = try await mcp.call("read_events", ["after": 1, "limit": 2])
            #expect(viaMCP.structured == rest.json)
            guard case .array(let events)? = rest.json?["events"] else { Issue.record("no events"); return }
            #expect(events.map { $0["stream_id"] } == Array(ids[1...]))
            #expect(events.map { $0["event_type"] } == ["DatasetRegistered", "DatasetRegistered"])
            guard case .object(let first)? = events.first else { Issue.record("no first event"); return }
            #expect(Set(first.keys) == ["position", "event_id", "stream_type", "stream_id", "version", "event_type", "payload",
                                                               "actor_id", "correlation_id", "causation_id", "occurred_at", "recorded_at"])
            #expect(rest.json?["next_after"] == events.last?["position"])
            let none = try await mcp.call("read_events", ["stream_type": "Run"])
            #expect(none.structured == ["events": [], "next_after": 0])
            // An empty page answers next_after = after, so a follower stays where it was.
            #expect(try await app.send(.get, "/events?after=999").json == ["events": [], "next_after": 999])
            #expect(try await mcp.call("read_events", ["limit": 0]).code == "InvalidRequest")
            #expect(try await app.send(.get, "/events?limit=0").code == "InvalidRequest")
        }
        let grants = #"{"grants":[{"principal":"*","allow":["GetDataset"]}]}"#
        try await Harness.run(kind, policy: try AccessPolicy(json: Array(grants.utf8))) { (app: Harness) async throws in
            #expect(try await app.send(.get, "/events").code == "Unauthorized")
            #expect(try await app.send(.get, "/events/stream?junk=1").code == "Unauthorized")
            #expect(try await MCPSession.open(app).call("read_events", [:]).code == "Unauthorized")
        }
    }

    /// A request with two faults, one of them the Authorize check: both surfaces answer the earlier one.
    @Test(arguments: StoreKind.allCases)
    func authorizationComesBeforeShapeOnBothSurfaces(_ kind: StoreKind) async throws {
        let grants = #"{"grants":[{"principal":"11111111-2222-3333-4444-555555555555","allow":["GetDataset"]}]}"#
        try await Harness.run(kind, policy: try AccessPolicy(json: Array(grants.utf8))) { (app: Harness) async throws in
            let mcp = try await MCPSession.open(app)
            let cases: [(String, JSONValue, String)] = [
                ("register_dataset", ["junk": 1], "Unauthorized"),
                ("promote_dataset", ["dataset_id": "nope"], "Unauthorized"),
                ("list_datasets", ["limit": "lots"], "Unauthorized"),
                ("get_dataset", ["dataset_id": "nope", "extra": 1], "InvalidRequest"),
            ]
            for (tool, arguments, code) in cases {
                let rest = try await Self.rest(app, tool, arguments).code
                let viaMCP = try await mcp.call(tool, arguments).code
                #expect(rest == code && viaMCP == code, "\(tool): REST \(rest ?? "ok"), MCP \(viaMCP ?? "ok")")
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theSameTableGivesTheSameCodesEventsAndState(_ kind: StoreKind) async throws {
        let restOutcome = Locked<([String?], [JSONValue?])>(([], []))
        try await Harness.run(kind, clock: ManualClock(), ids: SequentialIDs()) { (app: Harness) async throws in
            var codes: [String?] = []
            for (tool, arguments, _) in Self.table { codes.append(try await Self.rest(app, tool, arguments).code) }
            let state = try await Self.state(app)
            restOutcome.withLock { $0 = (codes, state) }
        }
        try await Harness.run(kind, clock: ManualClock(), ids: SequentialIDs()) { (app: Harness) async throws in
            let mcp = try await MCPSession.open(app)
            var codes: [String?] = []
            for (tool, arguments, _) in Self.table { codes.append(try await mcp.call(tool, arguments).code) }
            let (restCodes, restState) = restOutcome.value
            for (index, entry) in Self.table.enumerated() {
                #expect(codes[index] == entry.2 && restCodes[index] == entry.2, "\(entry.0) \(entry.1): MCP \(codes[index] ?? "ok"), REST \(restCodes[index] ?? "ok")")
            }
            let state = try await Self.state(app)
            #expect(state == restState)
        }
    }
}

/// Keeps every log record, so a test can read what was logged.
struct RecordingLogHandler: LogHandler {
    private let records = Locked<[LoggedRecord]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        records.withLock { $0.append(LoggedRecord(message: event.message.description, metadata: event.metadata ?? [:])) }
    }

    var logged: [LoggedRecord] { records.value }
}

struct LoggedRecord: Sendable {
    let message: String
    let metadata: Logger.Metadata
}

@Suite("MCP tool failures")
struct MCPToolFailureTests {
    @Test(arguments: StoreKind.allCases)
    func anUnexpectedErrorIsLoggedWithTheCallsCorrelationID(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            // A promotion on an empty stream: a corrupt store, which a read reports as a 500.
            let stream = StreamID(.dataset, UUID())
            let event = PendingEvent(stream: stream, eventType: "DatasetPromoted",
                                     payload: ["dataset_id": .string(stream.id.lowercased), "reason": "x", "occurred_at": "2026-05-19T14:03:07.000000Z"],
                                     occurredAt: Timestamp(microsecondsSinceEpoch: 0))
            _ = try await app.store.appending { tx in
                try await tx.append([event], metadata: EventMetadata(actorID: Fixtures.principal, correlationID: UUID()), expectedVersions: [stream: 0])
            }
            let handler = RecordingLogHandler()
            let correlation = UUID()
            let server = await CoraMCPServer.make(runner: app.runner, logger: Logger(label: "cora.test.mcp") { _ in handler }) {
                CallContext(principal: Fixtures.principal, correlationID: correlation)
            }
            let (clientTransport, serverTransport) = await InMemoryTransport.createConnectedPair()
            try await server.start(transport: serverTransport)
            let client = MCP.Client(name: "cora-tests", version: "1")
            _ = try await client.connect(transport: clientTransport)
            let result = try await client.callTool(name: "get_dataset", arguments: ["dataset_id": .string(stream.id.lowercased)]).value
            #expect(result.isError == true && result.structuredContent.map(JSONValue.init)?["code"] == "InternalError")
            let failure = try #require(handler.logged.first { $0.message == "tool call failed" })
            #expect(failure.metadata["correlation_id"]?.description == correlation.lowercased)
            #expect(failure.metadata["tool"]?.description == "get_dataset")
        }
    }
}
