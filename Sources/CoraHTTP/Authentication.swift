import CoraIdentity
import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    static let principalGroups = Self("X-Principal-Groups")!
}

/// How a request names its caller: `X-Principal-Id` (behind a proxy that sets it), or a bearer token
/// from the facility's identity provider, in which mode nothing the client sends names its principal.
public enum Authentication: Sendable {
    case header
    case bearer(BearerVerifier, BearerSettings)

    public var isBearer: Bool {
        if case .bearer = self { true } else { false }
    }

    /// The caller, or why there is none; the runner throws the failure only where a route needs a caller.
    func identify(_ request: Request, correlationID: UUID) async -> Result<CallContext, any Error> {
        switch self {
        case .header:
            return Result { () throws(RequestError) in try RestInput.caller(principalHeader: request.headers[.principalID], correlationID: correlationID) }
                .mapError { $0 }
        case .bearer(let verifier, _):
            guard let token = Self.bearerToken(request.headers[.authorization]) else { return .failure(AuthenticationFailure.missingToken) }
            return await verifier.caller(token, correlationID: correlationID).mapError { $0 }
        }
    }

    /// The token of `Authorization: Bearer <token>` (the scheme is case-insensitive, RFC 9110 §11.1).
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingOptionalWhitespace
        return token.isEmpty ? nil : token
    }

    /// RFC 9728's document: where this resource's tokens come from.
    func protectedResourceMetadata(resource: String) -> JSONValue? {
        guard case .bearer(_, let settings) = self else { return nil }
        return ["resource": .string(resource), "authorization_servers": [.string(settings.issuer)], "bearer_methods_supported": ["header"]]
    }

    static let metadataPath = "/.well-known/oauth-protected-resource"
}
