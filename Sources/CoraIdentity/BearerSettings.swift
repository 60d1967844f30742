import CoraKernel
import Foundation

/// Where the identity provider publishes its signing keys.
public enum KeySetLocation: Sendable, Equatable {
    case file(String)
    case https(URL)
}

/// What bearer mode checks a token against, and how a verified token names its caller.
public struct BearerSettings: Sendable, Equatable {
    /// Exact match of `iss`.
    public let issuer: String
    /// Must be among `aud`.
    public let audience: String
    public let keySet: KeySetLocation
    /// The claim that names the principal: a UUID, or a key of `subjectMap`.
    public let principalClaim: String
    public let subjectMap: [String: UUID]
    /// The claim listing the caller's groups (a string or an array of strings).
    public let groupsClaim: String
    /// Extra certificate authorities (PEM) trusted when fetching the key set: a facility's own CA.
    public let caFile: String?

    public init(issuer: String, audience: String, keySet: KeySetLocation, principalClaim: String = "sub", subjectMap: [String: UUID] = [:],
                groupsClaim: String = "groups", caFile: String? = nil) {
        self.issuer = issuer
        self.audience = audience
        self.keySet = keySet
        self.principalClaim = principalClaim
        self.subjectMap = subjectMap
        self.groupsClaim = groupsClaim
        self.caFile = caFile
    }

    public struct InvalidSubjectMap: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads `CORA_OIDC_SUBJECT_MAP`: `{"<claim value>": "<uuid>", …}`.
    public static func subjectMap(json bytes: [UInt8]) throws(InvalidSubjectMap) -> [String: UUID] {
        guard case .object(let members)? = try? JSONParser.parse(bytes) else {
            throw InvalidSubjectMap(description: "the subject map must be a JSON object {\"<claim value>\": \"<uuid>\"}")
        }
        var map: [String: UUID] = [:]
        for (claim, value) in members {
            guard case .string(let text) = value, let uuid = UUID(strict: text) else {
                throw InvalidSubjectMap(description: "the subject map's value for '\(claim)' is not a UUID")
            }
            map[claim] = uuid
        }
        return map
    }
}
