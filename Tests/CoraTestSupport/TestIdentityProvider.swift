import CoraIdentity
import Crypto
import CryptoExtras
import Foundation
import JWTKit

/// An identity provider for tests: real RSA and EC key pairs made here, their JWKS, and tokens signed
/// with them — plus the forgeries a verifier must refuse.
public struct TestIdentityProvider: Sendable {
    public static let issuer = "https://idp.test.invalid/realms/facility"
    public static let audience = "cora-data"

    public struct Key: Sendable {
        public let kid: String
        let keys: JWTKeyCollection
        /// The public key as one JWKS entry.
        public let jwk: [String: String]
    }

    public let rsa: Key
    public let ec: Key
    /// The RSA public key as PEM: what the "public key as HMAC secret" forgery signs with.
    let rsaPublicPEM: String

    public init(rsaKid: String = "rsa-1", ecKid: String = "ec-1") async throws {
        let rsaPrivate = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let rsaKeys = JWTKeyCollection()
        await rsaKeys.add(rsa: rsaPrivate, digestAlgorithm: .sha256, kid: JWKIdentifier(string: rsaKid))
        let primitives = try rsaPrivate.publicKey.getKeyPrimitives()
        rsa = Key(kid: rsaKid, keys: rsaKeys, jwk: ["kty": "RSA", "kid": rsaKid, "alg": "RS256", "use": "sig",
                                                    "n": Self.base64URL(primitives.modulus), "e": Self.base64URL(primitives.publicExponent)])
        rsaPublicPEM = rsaPrivate.publicKey.pemRepresentation
        let ecPrivate = ES256PrivateKey()
        let ecKeys = JWTKeyCollection()
        await ecKeys.add(ecdsa: ecPrivate, kid: JWKIdentifier(string: ecKid))
        guard let point = ecPrivate.publicKey.parameters else { throw TestProviderError(description: "no EC parameters") }
        ec = Key(kid: ecKid, keys: ecKeys, jwk: ["kty": "EC", "kid": ecKid, "crv": "P-256", "alg": "ES256", "use": "sig", "x": point.x, "y": point.y])
    }

    public struct TestProviderError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A JWKS document holding these keys.
    public static func jwks(_ keys: [Key]) -> String {
        let entries = keys.map { key in "{" + key.jwk.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",") + "}" }
        return "{\"keys\":[" + entries.joined(separator: ",") + "]}"
    }

    /// The claims of a good token for `principal`, valid around `now` (seconds since 1970).
    public static func claims(subject: String, now: Double, groups: [String]? = nil) -> [String: ClaimValue] {
        var claims: [String: ClaimValue] = [
            "iss": .string(issuer), "aud": .array([.string(audience), .string("account")]), "sub": .string(subject),
            "iat": .number(now.rounded(.down)), "nbf": .number(now.rounded(.down)), "exp": .number(now.rounded(.down) + 300),
        ]
        if let groups { claims["groups"] = .array(groups.map(ClaimValue.string)) }
        return claims
    }

    public func token(_ claims: [String: ClaimValue], with key: Key) async throws -> String {
        try await key.keys.sign(TokenClaims(claims), kid: JWKIdentifier(string: key.kid))
    }

    /// `alg: none`, no signature, naming the RSA key.
    public func unsignedToken(_ claims: [String: ClaimValue]) throws -> String {
        try Self.segment(["alg": "none", "typ": "JWT", "kid": rsa.kid]) + "." + Self.segment(claims) + "."
    }

    /// HS256 "signed" with the RSA public key's PEM as the secret, naming the RSA key: the forgery that
    /// works against a verifier that lets the token choose the algorithm.
    public func publicKeyAsHMACSecretToken(_ claims: [String: ClaimValue]) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: rsaPublicPEM), digestAlgorithm: .sha256, kid: JWKIdentifier(string: rsa.kid))
        return try await keys.sign(TokenClaims(claims), kid: JWKIdentifier(string: rsa.kid))
    }

    /// A good token whose payload was replaced after signing.
    public static func tampered(_ token: String, claims: [String: ClaimValue]) throws -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        return parts[0] + "." + (try segment(claims)) + "." + parts[2]
    }

    static func segment<T: Encodable>(_ value: T) throws -> String {
        base64URL(try JSONEncoder().encode(value))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
