import Foundation
import JWTKit

/// A JSON value of a token's payload.
public enum ClaimValue: Sendable, Equatable, Codable, ExpressibleByStringLiteral {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([ClaimValue])
    case object([String: ClaimValue])
    case null

    public init(stringLiteral value: String) {
        self = .string(value)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Most claims are strings, then numbers: tried in that order, since each miss throws.
        if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode([ClaimValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: ClaimValue].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }

    /// A string, or an array of strings, as a set; nil for anything else.
    var strings: Set<String>? {
        switch self {
        case .string(let value): [value]
        case .array(let values):
            values.reduce(into: Set<String>?.some([])) { result, value in
                if case .string(let text) = value { result?.insert(text) } else { result = nil }
            }
        default: nil
        }
    }
}

/// A token's payload, every member kept: which claims name the principal and the groups is configuration.
public struct TokenClaims: JWTPayload, Equatable {
    public let members: [String: ClaimValue]

    public init(_ members: [String: ClaimValue]) {
        self.members = members
    }

    public init(from decoder: any Decoder) throws {
        members = try decoder.singleValueContainer().decode([String: ClaimValue].self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(members)
    }

    /// Nothing here: the time, issuer and audience are checked after the signature, against the
    /// service's own clock (`BearerVerifier`), which jwt-kit's checks cannot be given.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    public subscript(_ name: String) -> ClaimValue? { members[name] }

    func seconds(_ name: String) throws(TokenRejection) -> Double? {
        switch members[name] {
        case nil, .null?: return nil
        case .number(let value)?: return value
        default: throw .unreadableClaim(name)
        }
    }
}
