import CoraData
import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird
import MCP
import NIOCore

// MCP Streamable HTTP on the same server and identity as REST. The SDK's transport speaks the
// protocol; these routes only translate Hummingbird requests and responses to and from it.

extension Endpoints {
    /// Size, content type and identity are checked as for REST before the transport sees anything.
    static let mcpRefusals = ["Unauthenticated"]
    /// What the SDK's transport answers itself: 400 malformed, 404 unknown session, 406 Accept, 503 too many sessions.
    static let mcpProtocolErrors = [400, 404, 406, 503]
    static let sessionHeader: JSONValue = ["type": "string", "minLength": 1]

    static let mcpPost = Endpoint(.post, "/mcp", OpenAPIOperation(
        "McpPost", "MCP Streamable HTTP: JSON-RPC messages from the client (initialize opens a session).",
        headers: [("Mcp-Session-Id", false, sessionHeader, "The session, after initialize.")],
        responses: [(200, "JSON or an SSE stream.", nil), (202, "A notification or response was accepted.", nil)],
        refusals: ["PayloadTooLarge", "UnsupportedMediaType"] + mcpRefusals, protocolErrors: mcpProtocolErrors
    )) { request, context, services in
        let body = try await RestInput.body(request)
        return try await forward(request, context, body: Data(body), services: services)
    }

    static let mcpGet = Endpoint(.get, "/mcp", OpenAPIOperation(
        "McpGet", "MCP Streamable HTTP: the session's server-to-client SSE stream.",
        headers: [("Mcp-Session-Id", true, sessionHeader, "The session.")], responses: [(200, "An SSE stream.", nil)], refusals: mcpRefusals,
        protocolErrors: mcpProtocolErrors
    )) { request, context, services in
        try await forward(request, context, body: nil, services: services)
    }

    static let mcpDelete = Endpoint(.delete, "/mcp", OpenAPIOperation(
        "McpDelete", "MCP Streamable HTTP: end the session.",
        headers: [("Mcp-Session-Id", true, sessionHeader, "The session.")], responses: [(200, "Ended.", nil)], refusals: mcpRefusals,
        protocolErrors: mcpProtocolErrors
    )) { request, context, services in
        try await forward(request, context, body: nil, services: services)
    }

    /// Hands the request to the session's transport with the request's correlation id and verified caller
    /// in its headers (whatever the client sent under those names is replaced), so each tool call acts as
    /// the caller the route identified and its events carry the id the HTTP response echoes.
    private static func forward(_ request: Request, _ context: CoraRequestContext, body: Data?, services: Services) async throws -> Response {
        let caller = try RestInput.identify(request, context)()
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        headers[HTTPField.Name.correlationID.canonicalName] = context.correlationID.lowercased
        headers[HTTPField.Name.principalID.canonicalName] = caller.principal.description
        headers[HTTPField.Name.principalGroups.canonicalName] = CanonicalJSON.string(.array(caller.groups.sorted().map(JSONValue.string)))
        let answer = await services.mcpSessions.handle(MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body, path: request.uri.path),
                                                       principal: caller.principal)
        var fields = HTTPFields()
        for (name, value) in answer.headers { if let fieldName = HTTPField.Name(name) { fields[fieldName] = value } }
        switch answer {
        case .stream(let events, _):
            let bytes = events.map { ByteBuffer(data: $0) }
            return Response(status: .ok, headers: fields, body: ResponseBody(asyncSequence: bytes))
        default:
            return Response(status: .init(code: answer.statusCode), headers: fields,
                            body: answer.bodyData.map { ResponseBody(byteBuffer: ByteBuffer(data: $0)) } ?? ResponseBody())
        }
    }
}
