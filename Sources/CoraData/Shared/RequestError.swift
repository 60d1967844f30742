import CoraKernel

/// Refusals that come before the domain sees a command: the request's envelope and shape.
public enum RequestError: Error, Sendable, Equatable, ProblemReportable {
    case invalidRequest(field: String?, detail: String)
    case invalidCursor(String)
    case payloadTooLarge(limit: Int)
    case unsupportedMediaType(String)
    case unauthenticated(String)
    case routeNotFound(String)
    case methodNotAllowed(method: String, path: String)

    public var problem: Problem {
        switch self {
        case .invalidRequest(let field, let detail):
            Problem(status: 422, code: "InvalidRequest", detail: detail, extensions: field.map { ["field": .string($0)] } ?? [:])
        case .invalidCursor(let detail):
            Problem(status: 422, code: "InvalidCursor", detail: detail)
        case .payloadTooLarge(let limit):
            Problem(status: 413, code: "PayloadTooLarge", detail: "The request body is larger than \(limit) bytes.")
        case .unsupportedMediaType(let detail):
            Problem(status: 415, code: "UnsupportedMediaType", detail: detail)
        case .unauthenticated(let detail):
            Problem(status: 401, code: "Unauthenticated", detail: detail)
        case .routeNotFound(let path):
            Problem(status: 404, code: "NotFound", detail: "No route matches \(path).")
        case .methodNotAllowed(let method, let path):
            Problem(status: 405, code: "MethodNotAllowed", detail: "\(method) is not allowed on \(path).")
        }
    }
}

/// A request body as a surface hands it over: raw bytes (REST) or an already parsed value (MCP).
/// Parsing is deferred so that the contract's check order (authorize before shape) holds on every surface.
public enum CommandBody: Sendable {
    case bytes([UInt8])
    case json(JSONValue)

    func parsedObject() throws(RequestError) -> ObjectReader {
        let value: JSONValue
        switch self {
        case .json(let parsed): value = parsed
        case .bytes(let bytes):
            guard !bytes.isEmpty else { throw .invalidRequest(field: nil, detail: "The request body is empty; a JSON object is required.") }
            do { value = try JSONParser.parse(bytes) } catch {
                throw .invalidRequest(field: nil, detail: "The request body is not valid JSON: \(error.message) at byte \(error.offset).")
            }
        }
        return try ObjectReader(value, path: nil)
    }
}
