import CoraKernel

public enum IdempotencyError: Error, Sendable, Equatable, ProblemReportable {
    case missing
    case invalid(String)
    case inFlight
    case reused

    public var problem: Problem {
        switch self {
        case .missing:
            Problem(status: 400, code: "IdempotencyKeyMissing", detail: "An Idempotency-Key is required for this command.")
        case .invalid(let detail):
            Problem(status: 400, code: "InvalidIdempotencyKey", detail: detail)
        case .inFlight:
            Problem(status: 409, code: "IdempotencyKeyInFlight", detail: "A request with this Idempotency-Key is still being processed; retry shortly.", retryAfterSeconds: 1)
        case .reused:
            Problem(status: 422, code: "IdempotencyKeyReused", detail: "This Idempotency-Key was already used for a different request.")
        }
    }
}

/// A validated key: 1–255 characters, no control characters. Keys are opaque, so they are not trimmed.
public struct IdempotencyKey: Sendable, Hashable {
    public let value: String

    public init(_ raw: String) throws(IdempotencyError) {
        let count = raw.unicodeScalars.count
        guard count > 0 else { throw .invalid("Idempotency-Key must not be empty.") }
        guard count <= 255 else { throw .invalid("Idempotency-Key must be at most 255 characters; got \(count).") }
        guard !raw.unicodeScalars.contains(where: TextRule.isControl) else { throw .invalid("Idempotency-Key must not contain control characters.") }
        value = raw
    }
}

/// The request hash: SHA-256 over the canonical JSON of the validated command and its operation name,
/// so reordered lists, other white space or `1e3` for `1000` are the same request, and a key reused by
/// another slice is a different one.
func requestHash(_ operation: OperationName, _ canonicalCommand: JSONValue) -> String {
    Digest.sha256Hex(CanonicalJSON.bytes(.object(["operation": .string(operation.rawValue), "command": canonicalCommand])))
}
