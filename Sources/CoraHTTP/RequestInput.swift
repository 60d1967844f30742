import CoraData
import CoraKernel
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPField.Name {
    static let principalID = Self("X-Principal-Id")!
    static let correlationID = Self("X-Correlation-Id")!
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
}

/// The envelope checks every slice runs first, in the contract's order: body size (413), content type
/// (415), identity (401). Authorization and everything after belong to the handlers.
enum RequestInput {
    static let maximumBodyBytes = 1 << 20

    /// For commands: the body (at most 1 MiB, JSON) and the caller.
    static func command(_ request: Request, _ context: CoraRequestContext) async throws -> (CommandBody, CallContext) {
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
        return (.bytes(bytes), try caller(request, context))
    }

    /// For queries: the caller only.
    static func caller(_ request: Request, _ context: CoraRequestContext) throws -> CallContext {
        guard let header = request.headers[.principalID] else {
            throw RequestError.unauthenticated("The X-Principal-Id header is required.")
        }
        guard let principal = UUID(strict: header.trimmingCharacters(in: .whitespaces)) else {
            throw RequestError.unauthenticated("The X-Principal-Id header must be a UUID.")
        }
        return CallContext(principal: PrincipalID(principal), correlationID: context.correlationID)
    }

    /// `application/json`, any case, optionally with parameters.
    static func isJSON(_ contentType: String) -> Bool {
        (contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    static func parameter(_ context: CoraRequestContext, _ name: String) -> String {
        context.parameters.get(name) ?? ""
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
