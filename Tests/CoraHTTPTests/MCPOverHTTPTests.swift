import CoraData
import CoraHTTP
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

/// MCP Streamable HTTP through the real router: JSON-RPC posted to /mcp, answers read from the SSE
/// stream the SDK's transport writes.
struct MCPOverHTTP {
    let app: Harness
    let session: String
    /// Sent with every message: a bearer token, or a header naming another principal.
    var credentials: [String: String] = [:]

    static let accept = "application/json, text/event-stream"

    static func open(_ app: Harness, credentials: [String: String] = [:]) async throws -> MCPOverHTTP {
        let reply = try await app.send(.post, "/mcp", headers: credentials.merging(["Accept": accept]) { _, given in given }, json: [
            "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "cora-tests", "version": "1"]],
        ])
        let session = try #require(reply.headers[.init("Mcp-Session-Id")!], "initialize opens a session: \(reply.status) \(String(decoding: reply.bytes, as: UTF8.self))")
        let opened = MCPOverHTTP(app: app, session: session, credentials: credentials)
        _ = try await opened.post(["jsonrpc": "2.0", "method": "notifications/initialized"])
        return opened
    }

    func post(_ message: JSONValue, headers extra: [String: String] = [:]) async throws -> Harness.Reply {
        var headers = ["Accept": Self.accept, "Mcp-Session-Id": session, "MCP-Protocol-Version": "2025-06-18"]
        headers.merge(credentials) { _, given in given }
        headers.merge(extra) { _, given in given }
        return try await app.send(.post, "/mcp", headers: headers, json: message)
    }

    /// A tool call's result: the JSON-RPC response out of the SSE `data:` lines (or a plain JSON body).
    func call(_ tool: String, _ arguments: JSONValue, headers: [String: String] = [:]) async throws -> (reply: Harness.Reply, result: JSONValue?) {
        let reply = try await post(["jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": ["name": .string(tool), "arguments": arguments]], headers: headers)
        let text = String(decoding: reply.bytes, as: UTF8.self)
        let payloads = text.split(separator: "\n").filter { $0.hasPrefix("data:") }.map { $0.dropFirst("data:".count).trimmingCharacters(in: .whitespaces) }
        let message = (payloads.isEmpty ? [text] : payloads).compactMap { try? JSONParser.parse($0) }.first { $0["id"] != nil }
        return (reply, message?["result"])
    }
}

@Suite("MCP over HTTP")
struct MCPOverHTTPTests {
    @Test(arguments: StoreKind.allCases)
    func eventsCausedOverMCPCarryTheRequestsCorrelationID(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let mcp = try await MCPOverHTTP.open(app)
            let correlation = UUID().lowercased
            guard case .object(var arguments) = Fixtures.registerBody() else { return }
            arguments["idempotency_key"] = "over-http"
            let (reply, result) = try await mcp.call("register_dataset", .object(arguments), headers: ["X-Correlation-Id": correlation])
            #expect(reply.headers[.init("X-Correlation-Id")!] == correlation)
            let id = try #require(result?["structuredContent"]?["dataset_id"], "\(String(decoding: reply.bytes, as: UTF8.self))")
            guard case .string(let datasetID) = id else { Issue.record("no id"); return }
            let history = try await app.send(.get, "/datasets/\(datasetID)/history")
            guard case .array(let events)? = history.json?["events"] else { Issue.record("no history"); return }
            #expect(events.map { $0["correlation_id"] } == [.string(correlation)])
            // Without a header, the call's events carry the id the response echoes.
            let (second, promoted) = try await mcp.call("promote_dataset", ["dataset_id": id, "reason": "qa"])
            #expect(promoted?["isError"] == .bool(false))
            let echoed = try #require(second.headers[.init("X-Correlation-Id")!])
            guard case .array(let after)? = try await app.send(.get, "/datasets/\(datasetID)/history").json?["events"] else { return }
            #expect(after.last?["correlation_id"] == .string(echoed))
        }
    }

    @Test func idleSessionsExpireAndTheirNumberIsBounded() async throws {
        let elapsed = Locked(Duration.zero)
        let start = ContinuousClock.now
        let limits = MCPSessionLimits(idleTimeout: .seconds(1800), maximum: 2) { start + elapsed.value }
        try await Harness.run(.sqlite, mcpSessions: limits) { (app: Harness) async throws in
            let first = try await MCPOverHTTP.open(app)
            _ = try await MCPOverHTTP.open(app)
            // A third session is refused while two live: memory cannot grow without limit.
            let third = try await app.send(.post, "/mcp", headers: ["Accept": MCPOverHTTP.accept], json: [
                "jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": ["protocolVersion": "2025-06-18", "capabilities": [:], "clientInfo": ["name": "t", "version": "1"]],
            ])
            #expect(third.status == 503 && third.headers[.retryAfter] == "1")
            #expect(try await first.call("get_dataset", ["dataset_id": .string(UUID().lowercased)]).result?["isError"] == .bool(true))
            elapsed.withLock { $0 = .seconds(1799) }
            #expect(try await first.call("get_dataset", ["dataset_id": .string(UUID().lowercased)]).result?["isError"] == .bool(true), "used just in time")
            elapsed.withLock { $0 = .seconds(1799 + 1801) }
            // Both sessions were idle past the timeout: ended, and room for new ones.
            #expect(try await first.post(["jsonrpc": "2.0", "id": 3, "method": "tools/list"]).status == 404)
            _ = try await MCPOverHTTP.open(app)
        }
    }
}
