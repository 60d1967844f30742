import CoraData
import CoraKernel
import CoraMCP
import Foundation
import MCP

/// MCP Streamable HTTP sessions: an `initialize` without a session id opens one (a transport and a
/// server of its own, as the SDK's stateful transport expects); later requests find theirs by
/// `Mcp-Session-Id`; DELETE ends it.
actor MCPSessions {
    private let handlers: SliceHandlers
    private var sessions: [String: (transport: StatefulHTTPServerTransport, server: Server)] = [:]

    init(handlers: SliceHandlers) {
        self.handlers = handlers
    }

    func handle(_ request: MCP.HTTPRequest) async -> MCP.HTTPResponse {
        if let sessionID = request.header(HTTPHeaderName.sessionID) {
            guard let session = sessions[sessionID] else {
                return .error(statusCode: 404, .invalidRequest("Not Found: unknown or ended session"))
            }
            let response = await session.transport.handleRequest(request)
            if request.method.uppercased() == "DELETE" {
                sessions[sessionID] = nil
                await session.server.stop()
            }
            return response
        }
        let transport = StatefulHTTPServerTransport()
        let server = await CoraMCPServer.make(handlers: handlers) {
            // Each call acts as the principal of the HTTP request that carried it (the route already
            // refused requests without a valid X-Principal-Id).
            let header = Server.currentHandlerContext?.httpContext?.header("X-Principal-Id")
            guard let principal = header.flatMap({ UUID(strict: $0.trimmingCharacters(in: .whitespaces)) }) else {
                throw RequestError.unauthenticated("The X-Principal-Id header is required.")
            }
            return CallContext(principal: PrincipalID(principal), correlationID: UUID())
        }
        do {
            try await server.start(transport: transport)
        } catch {
            return .error(statusCode: 500, .internalError("cannot start an MCP session"))
        }
        let response = await transport.handleRequest(request)
        if let sessionID = response.headers[HTTPHeaderName.sessionID] {
            sessions[sessionID] = (transport, server)
        } else {
            await server.stop()
        }
        return response
    }
}
