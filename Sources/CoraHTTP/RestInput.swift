import CoraData
import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPField.Name {
    static let principalID = Self("X-Principal-Id")!
    static let correlationID = Self("X-Correlation-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
    static let coraPosition = Self("Cora-Position")!
    static let coraMinPosition = Self("Cora-Min-Position")!
}

/// Turns a Hummingbird request into a slice's wire request. The transport's own checks, in the
/// contract's order, come first: body size (413), then content type (415); identity (401) and all that
/// follows is the runner's.
enum RestInput {
    static let maximumBodyBytes = 1 << 20

    /// A command: at most 1 MiB of JSON body, path parameters, query parameters, the key header.
    static func command(_ request: Request, _ context: CoraRequestContext, path names: [String]) async throws -> WireRequest {
        var wire = try query(request, context, path: names)
        wire.body = .bytes(try await body(request))
        wire.idempotencyKey = IdempotencyKeyInput(header: request.headers[.idempotencyKey])
        return wire
    }

    /// A query: path and query parameters only.
    static func query(_ request: Request, _ context: CoraRequestContext, path names: [String]) throws -> WireRequest {
        var path: [String: String] = [:]
        for name in names { path[name] = context.parameters.get(name) ?? "" }
        let (pairs, minPosition) = try parameters(request)
        return WireRequest(path: path, parameters: .pairs(pairs), minPosition: minPosition)
    }

    /// The query parameters without `min_position`, which every route accepts beside its own, and every
    /// read-your-writes position given there or in a `Cora-Min-Position` header.
    static func parameters(_ request: Request) throws -> (pairs: [(name: String, value: String)], minPosition: [String]) {
        let all = try queryPairs(request)
        let asked = all.filter { $0.name == "min_position" }.map(\.value) + request.headers[values: .coraMinPosition]
        return (all.filter { $0.name != "min_position" }, asked)
    }

    /// The body bytes, refusing 413 past 1 MiB and 415 when a body comes without `application/json`.
    static func body(_ request: Request) async throws -> [UInt8] {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw RequestError.payloadTooLarge(limit: maximumBodyBytes)
        }
        let bytes = Array(buffer.readableBytesView)
        if !bytes.isEmpty || request.headers[.contentType] != nil {
            guard let contentType = request.headers[.contentType], isJSON(contentType) else {
                throw RequestError.unsupportedMediaType("The request body must be sent with Content-Type: application/json.")
            }
        }
        return bytes
    }

    /// The caller the middleware identified (or the reason there is none), for the runner to ask for.
    static func identify(_ request: Request, _ context: CoraRequestContext) -> Identify {
        let identity = context.identity
        return { try identity.get() }
    }

    static func caller(principalHeader header: String?, correlationID: UUID) throws(RequestError) -> CallContext {
        guard let header else { throw .unauthenticated("The X-Principal-Id header is required.") }
        guard let principal = UUID(strict: header.trimmingOptionalWhitespace) else {
            throw .unauthenticated("The X-Principal-Id header must be a UUID.")
        }
        return CallContext(principal: PrincipalID(principal), correlationID: correlationID)
    }

    /// `application/json`, any case, optionally with parameters.
    static func isJSON(_ contentType: String) -> Bool {
        (contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").trimmingOptionalWhitespace.lowercased() == "application/json"
    }

    /// Query parameters in order, percent-decoded; repeated names kept (used_calibrations).
    static func queryPairs(_ request: Request) throws -> [(name: String, value: String)] {
        guard let query = request.uri.query, !query.isEmpty else { return [] }
        return try query.split(separator: "&", omittingEmptySubsequences: false).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw RequestError.invalidRequest(field: nil, detail: "The query string is not valid percent-encoded UTF-8.")
            }
            return (name, value)
        }
    }

    private static func decode(_ component: Substring) -> String? {
        component.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
