/// An RFC 9457 problem, the one shape every refusal takes on every surface.
public struct Problem: Sendable, Equatable {
    public let status: Int
    public let code: String
    public let detail: String
    /// Extra members that help a caller act: `reason`, `missing_ids`, `field`, ...
    public let extensions: [String: JSONValue]
    /// Seconds a client should wait before retrying, when the refusal is transient.
    public let retryAfterSeconds: Int?

    public init(status: Int, code: String, detail: String, extensions: [String: JSONValue] = [:], retryAfterSeconds: Int? = nil) {
        self.status = status
        self.code = code
        self.detail = detail
        self.extensions = extensions
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var json: JSONValue {
        var members = extensions
        members["type"] = .string("urn:cora:error:\(code)")
        members["title"] = .string(code)
        members["status"] = .integer(status)
        members["code"] = .string(code)
        members["detail"] = .string(detail)
        return .object(members)
    }
}

/// Every error a surface may show a caller conforms to this; the mapping lives beside each error type,
/// written once, and REST and MCP both use it.
public protocol ProblemReportable: Error {
    var problem: Problem { get }
}
