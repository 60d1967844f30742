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
    case notBearerMode

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
        case .notBearerMode:
            Problem(status: 404, code: "NotFound", detail: "This service takes no bearer tokens (CORA_AUTH_MODE is header): there is no protected resource metadata.")
        }
    }
}
