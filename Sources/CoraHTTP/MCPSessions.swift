import CoraData
import CoraKernel
import CoraMCP
import CoraWire
import Foundation
import Logging
import MCP

/// How many MCP HTTP sessions a process keeps, and for how long an unused one lives.
public struct MCPSessionLimits: Sendable {
    public var idleTimeout: Duration
    public var maximum: Int
    /// What idle time is measured on; tests move it by hand.
    public var now: @Sendable () -> ContinuousClock.Instant

    public init(idleTimeout: Duration = .seconds(30 * 60), maximum: Int = 1000, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.idleTimeout = idleTimeout
        self.maximum = maximum
        self.now = now
    }
}

/// MCP Streamable HTTP sessions: an `initialize` without a session id opens one (a transport and a
/// server of its own, as the SDK's stateful transport expects); later requests find theirs by
/// `Mcp-Session-Id`; DELETE ends it. A session unused for `idleTimeout` is ended, and no more than
/// `maximum` live at once, so a client that never says goodbye cannot make memory grow without limit.
actor MCPSessions {
    private struct Session {
        let transport: StatefulHTTPServerTransport
        let server: Server
        /// Who opened it: a session id is no credential, so another caller presenting it finds nothing.
        let principal: PrincipalID
        var lastUsed: ContinuousClock.Instant
    }

    private let runner: SliceRunner
    private let logger: Logger
    private let limits: MCPSessionLimits
    private let exports: ExportSettings
    private var sessions: [String: Session] = [:]

    init(runner: SliceRunner, logger: Logger, limits: MCPSessionLimits, exports: ExportSettings) {
        self.runner = runner
        self.logger = logger
        self.limits = limits
        self.exports = exports
    }

    var count: Int { sessions.count }

    func handle(_ request: MCP.HTTPRequest, principal: PrincipalID) async -> MCP.HTTPResponse {
        await endIdleSessions()
        if let sessionID = request.header(HTTPHeaderName.sessionID) {
            guard var session = sessions[sessionID], session.principal == principal else {
                return .error(statusCode: 404, .invalidRequest("Not Found: unknown, expired or ended session"))
            }
            session.lastUsed = limits.now()
            sessions[sessionID] = session
            let response = await session.transport.handleRequest(request)
            if request.method.uppercased() == "DELETE" {
                sessions[sessionID] = nil
                await session.server.stop()
            }
            return response
        }
        guard sessions.count < limits.maximum else {
            return .error(statusCode: 503, .internalError("Too many open MCP sessions; end unused ones (DELETE /mcp) or retry later"),
                          extraHeaders: ["Retry-After": "1"])
        }
        let transport = StatefulHTTPServerTransport()
        let server = await CoraMCPServer.make(runner: runner, logger: logger, exports: exports, requestBase: {
            Server.currentHandlerContext?.httpContext?.header("Host").map { "http://\($0)" }
        }) {
            // Each call acts as the caller the route identified for the HTTP request that carried it, under
            // that request's correlation id (the route wrote both into the forwarded headers).
            let http = Server.currentHandlerContext?.httpContext
            let correlationID = http?.header("X-Correlation-Id").flatMap(UUID.init(strict:)) ?? UUID()
            let caller = try RestInput.caller(principalHeader: http?.header("X-Principal-Id"), correlationID: correlationID)
            guard case .array(let names)? = http?.header("X-Principal-Groups").flatMap({ try? JSONParser.parse(Array($0.utf8)) }) else { return caller }
            return CallContext(principal: caller.principal, correlationID: correlationID,
                               groups: Set(names.compactMap { if case .string(let name) = $0 { name } else { nil } }))
        }
        do {
            try await server.start(transport: transport)
        } catch {
            return .error(statusCode: 500, .internalError("cannot start an MCP session"))
        }
        let response = await transport.handleRequest(request)
        if let sessionID = response.headers[HTTPHeaderName.sessionID] {
            sessions[sessionID] = Session(transport: transport, server: server, principal: principal, lastUsed: limits.now())
        } else {
            await server.stop()
        }
        return response
    }

    private func endIdleSessions() async {
        let cutoff = limits.now() - limits.idleTimeout
        let idle = sessions.filter { $0.value.lastUsed < cutoff }
        for (id, session) in idle {
            sessions[id] = nil
            await session.server.stop()
        }
    }
}
