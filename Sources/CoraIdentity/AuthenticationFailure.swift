import CoraKernel
import Foundation

/// Why a bearer token was refused. The description goes into the log line and into the
/// `WWW-Authenticate` error_description; it never contains the token.
public enum TokenRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed
    case algorithmNotAllowed(String)
    case missingKeyID
    case unknownKey(String)
    case keyAlgorithmMismatch(kid: String, alg: String)
    case badSignature
    case expired
    case notYetValid
    case wrongIssuer
    case wrongAudience
    case missingClaim(String)
    case unreadableClaim(String)

    public var description: String {
        switch self {
        case .malformed: "the token is not a well-formed JWS compact serialization"
        case .algorithmNotAllowed(let alg): "algorithm \(alg) is not allowed (RS256 and ES256 are)"
        case .missingKeyID: "the token names no key (kid)"
        case .unknownKey(let kid): "no key \(kid) in the provider's key set"
        case .keyAlgorithmMismatch(let kid, let alg): "key \(kid) does not sign with \(alg)"
        case .badSignature: "the signature does not verify"
        case .expired: "the token has expired"
        case .notYetValid: "the token is not valid yet"
        case .wrongIssuer: "the token was issued by another issuer"
        case .wrongAudience: "the token is not meant for this service (aud)"
        case .missingClaim(let name): "the token has no \(name) claim"
        case .unreadableClaim(let name): "the token's \(name) claim is not of the expected type"
        }
    }

    /// A short word for the log line.
    public var reason: String {
        switch self {
        case .malformed: "malformed"
        case .algorithmNotAllowed: "algorithm_not_allowed"
        case .missingKeyID: "missing_kid"
        case .unknownKey: "unknown_kid"
        case .keyAlgorithmMismatch: "key_algorithm_mismatch"
        case .badSignature: "bad_signature"
        case .expired: "expired"
        case .notYetValid: "not_yet_valid"
        case .wrongIssuer: "wrong_issuer"
        case .wrongAudience: "wrong_audience"
        case .missingClaim: "missing_claim"
        case .unreadableClaim: "unreadable_claim"
        }
    }
}

/// A caller bearer mode cannot accept: no token, a refused token (401), or a verified token whose
/// principal claim names nobody this service knows (403).
public enum AuthenticationFailure: Error, Sendable, Equatable, ProblemReportable {
    case missingToken
    case refused(TokenRejection)
    case unmapped(claim: String)

    public var problem: Problem {
        switch self {
        case .missingToken:
            Problem(status: 401, code: "Unauthenticated", detail: "An Authorization: Bearer <token> header from the identity provider is required.")
        case .refused(let rejection):
            Problem(status: 401, code: "Unauthenticated", detail: "The bearer token was refused: \(rejection).")
        case .unmapped(let claim):
            Problem(status: 403, code: "Unauthorized", detail: "The token's \(claim) claim is neither a UUID nor mapped to a principal.")
        }
    }

    /// A short word for the log line.
    public var logReason: String {
        switch self {
        case .missingToken: "missing_token"
        case .refused(let rejection): rejection.reason
        case .unmapped: "unmapped_principal"
        }
    }

    /// RFC 6750 §3: the challenge a 401 carries; `resourceMetadata` (RFC 9728) when the route asks for it.
    public func challenge(resourceMetadata: String?) -> String? {
        var parameters = [#"realm="cora""#]
        switch self {
        case .missingToken: break
        case .refused(let rejection):
            parameters.append(#"error="invalid_token""#)
            parameters.append(#"error_description="\#(rejection.description.replacingOccurrences(of: "\"", with: "'"))""#)
        case .unmapped: return nil
        }
        if let resourceMetadata { parameters.append(#"resource_metadata="\#(resourceMetadata)""#) }
        return "Bearer " + parameters.joined(separator: ", ")
    }
}
