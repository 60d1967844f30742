import CoraData
import CoraHTTP
import CoraKernel
import CoraTestSupport
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// A running app on a fresh SQLite file, driven through Hummingbird's router test client.
struct Harness {
    let client: any TestClientProtocol
    let opened: OpenedStore
    /// The same runner the router serves, for driving other surfaces (MCP) against the same store.
    let runner: SliceRunner
    let exports: ExportSettings
    var store: any CoraStore { opened.store }

    static let principal = Fixtures.principal.description

    static func run(_ kind: StoreKind, policy: AccessPolicy = .allowAll, clock: any WallClock = SystemClock(), ids: any IDGenerator = UUIDv7Generator(),
                    mcpSessions: MCPSessionLimits = MCPSessionLimits(), exports: ExportSettings = ExportSettings(),
                    eventIDs: any IDGenerator = UUIDv7Generator(), authentication: Authentication = .header, logHandler: RecordingLogHandler? = nil,
                    catalog: CatalogAccess? = nil, _ body: @Sendable (Harness) async throws -> Void) async throws {
        let opened = try await kind.open(clock: clock, eventIDs: eventIDs)
        let store = opened.store
        let metrics = ServiceMetrics()
        let dependencies = ServiceDependencies(store: store, clock: clock, ids: ids, onAppended: metrics.recordAppended)
        var logger = logHandler.map { handler in Logger(label: "cora.test") { _ in handler } } ?? Logger(label: "cora.test")
        logger.logLevel = logHandler == nil ? .critical : .trace
        let services = Services(runner: SliceRunner(dependencies: dependencies, policy: policy), metrics: metrics, logger: logger, mcpSessionLimits: mcpSessions,
                                exports: exports, authentication: authentication, catalog: catalog)
        if let catalog { try await catalog.load(from: store) }
        let app = Application(router: CoraRouter.build(services: services, logger: logger), logger: logger)
        do {
            try await app.test(.router) { client in
                try await body(Harness(client: client, opened: opened, runner: services.runner, exports: exports))
            }
        } catch {
            try? await opened.close()
            throw error
        }
        try await opened.close()
    }

    struct Reply: Sendable {
        let status: Int
        let headers: HTTPFields
        let bytes: [UInt8]
        var json: JSONValue? { try? JSONParser.parse(bytes) }
        var code: String? {
            guard case .string(let code)? = json?["code"] else { return nil }
            return code
        }
        func string(_ key: String) -> String? {
            guard case .string(let text)? = json?[key] else { return nil }
            return text
        }
    }

    func send(_ method: HTTPRequest.Method, _ uri: String, principal: String? = Harness.principal, headers extra: [String: String] = [:],
              json: JSONValue? = nil, raw: [UInt8]? = nil, contentType: String? = "application/json") async throws -> Reply {
        var headers = HTTPFields()
        if let principal { headers[.init("X-Principal-Id")!] = principal }
        let bytes = raw ?? json.map(CanonicalJSON.bytes)
        if bytes != nil, let contentType { headers[.contentType] = contentType }
        for (name, value) in extra { headers[.init(name)!] = value }
        return try await client.execute(uri: uri, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) }) { response in
            Reply(status: Int(response.status.code), headers: response.headers, bytes: Array(response.body.readableBytesView))
        }
    }

    func register(_ overrides: [String: JSONValue] = [:], key: String = UUID().uuidString, principal: String = Harness.principal) async throws -> Reply {
        try await send(.post, "/datasets", principal: principal, headers: ["Idempotency-Key": key], json: Fixtures.registerBody(overrides))
    }

    /// Registers and returns the new id, failing the test when the service refuses.
    func registered(_ overrides: [String: JSONValue] = [:]) async throws -> String {
        let reply = try await register(overrides)
        try #require(reply.status == 201, "register answered \(reply.status) \(String(decoding: reply.bytes, as: UTF8.self))")
        return try #require(reply.string("dataset_id"))
    }

    func command(_ id: String, _ verb: String, reason: String = "audit reason") async throws -> Reply {
        try await send(.post, "/datasets/\(id)/\(verb)", json: ["reason": .string(reason)])
    }

    func createSubject() async throws -> String {
        try #require(try await send(.post, "/subjects", json: ["name": "pellet B-12"]).string("subject_id"))
    }

    func startRun(subject: String? = nil) async throws -> String {
        try #require(try await send(.post, "/runs", json: ["name": "run 007", "subject_id": subject.map(JSONValue.string) ?? .null]).string("run_id"))
    }

    func endRun(_ id: String, _ state: String) async throws -> Reply {
        try await send(.post, "/runs/\(id)/end", json: ["end_state": .string(state)])
    }

    func eventCount() async throws -> Int {
        try await opened.eventCount()
    }
}
