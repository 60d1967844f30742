import CoraKernel
import Foundation
import JWTKit
import Logging

/// Verifies the identity provider's access tokens (RFC 7519 JWS, RS256 or ES256) with jwt-kit against
/// the provider's key set, and names the caller they stand for.
///
/// The key set is read at start and kept; a token naming a key the set lacks (the provider rotated its
/// keys) reads it again, at most once a minute, so a flood of made-up `kid`s cannot flood the provider.
public actor BearerVerifier {
    /// The algorithms accepted; `none` and HMAC never are (an HMAC "signed" with a public key is the
    /// classic forgery against verifiers that let the token choose).
    enum Algorithm: String {
        case rs256 = "RS256"
        case es256 = "ES256"
    }

    public static let refetchIntervalMicroseconds: Int64 = 60_000_000
    public static let leewaySeconds: Double = 60

    private let settings: BearerSettings
    private let source: KeySetSource
    private let clock: any WallClock
    private let logger: Logger
    private var keys = JWTKeyCollection()
    private var known: [String: Algorithm] = [:]
    private var lastFetch: Timestamp?
    private var reloading: Task<Void, Never>?
    /// Tokens already verified, by their text: a client sends the same token for its whole lifetime, and
    /// decoding and checking it again (two JSON decodes and a signature) costs more than the request.
    /// Only the time window is checked again on a hit; a new key set empties it.
    private var accepted: [String: Accepted] = [:]
    static let acceptedLimit = 10_000

    private struct Accepted {
        let principal: PrincipalID
        let groups: Set<String>
        let notBefore: Double?
        let expiry: Double
    }
    /// How many times the key set was read: the rate limit is observable.
    public private(set) var fetches = 0

    public init(settings: BearerSettings, clock: any WallClock = SystemClock(), logger: Logger) {
        self.settings = settings
        self.source = KeySetSource(settings.keySet, caFile: settings.caFile)
        self.clock = clock
        self.logger = logger
    }

    /// Reads the key set; at start a failure stops the server, with the reason.
    public func loadKeys() async throws {
        fetches += 1
        lastFetch = clock.now()
        let (collection, algorithms) = try await Self.keySet(try await source.fetch())
        keys = collection
        known = algorithms
        accepted.removeAll()
    }

    /// The caller a token stands for: its principal (the configured claim, a UUID or mapped) and groups.
    public func caller(_ token: String, correlationID: UUID) async -> Result<CallContext, AuthenticationFailure> {
        if let hit = accepted[token] {
            if Self.within(notBefore: hit.notBefore, expiry: hit.expiry, now: seconds()) {
                return .success(CallContext(principal: hit.principal, correlationID: correlationID, groups: hit.groups))
            }
            accepted[token] = nil
        }
        let claims: TokenClaims
        switch await verify(token) {
        case .success(let verified): claims = verified
        case .failure(let rejection): return .failure(.refused(rejection))
        }
        guard case .string(let value)? = claims[settings.principalClaim] else {
            return .failure(.refused(claims[settings.principalClaim] == nil ? .missingClaim(settings.principalClaim) : .unreadableClaim(settings.principalClaim)))
        }
        guard let principal = UUID(strict: value) ?? settings.subjectMap[value] else { return .failure(.unmapped(claim: settings.principalClaim)) }
        let groups: Set<String>
        switch claims[settings.groupsClaim] {
        case nil, .null?: groups = []
        case let claim?:
            guard let names = claim.strings else { return .failure(.refused(.unreadableClaim(settings.groupsClaim))) }
            groups = names
        }
        // verify() found exp a number and nbf absent or a number.
        if case .number(let expiry)? = claims["exp"] {
            let notBefore: Double? = if case .number(let value)? = claims["nbf"] { value } else { nil }
            remember(token, Accepted(principal: PrincipalID(principal), groups: groups, notBefore: notBefore, expiry: expiry))
        }
        return .success(CallContext(principal: PrincipalID(principal), correlationID: correlationID, groups: groups))
    }

    private func remember(_ token: String, _ entry: Accepted) {
        if accepted.count >= Self.acceptedLimit {
            let now = seconds()
            accepted = accepted.filter { Self.within(notBefore: $0.value.notBefore, expiry: $0.value.expiry, now: now) }
            if accepted.count >= Self.acceptedLimit { accepted.removeAll() }
        }
        accepted[token] = entry
    }

    private func seconds() -> Double { Double(clock.now().microsecondsSinceEpoch) / 1_000_000 }

    /// `exp` and `nbf` with the leeway.
    static func within(notBefore: Double?, expiry: Double, now: Double) -> Bool {
        now <= expiry + leewaySeconds && (notBefore.map { now + leewaySeconds >= $0 } ?? true)
    }

    /// The token's claims once its algorithm, key, signature, times, issuer and audience all check out.
    func verify(_ token: String) async -> Result<TokenClaims, TokenRejection> {
        let header: JWTHeader
        let unverified: TokenClaims
        do {
            (header, unverified, _) = try DefaultJWTParser().parse(Array(token.utf8), as: TokenClaims.self)
        } catch {
            return .failure(.malformed)
        }
        guard let alg = header.alg, let algorithm = Algorithm(rawValue: alg) else { return .failure(.algorithmNotAllowed(header.alg ?? "none")) }
        guard let kid = header.kid else { return .failure(.missingKeyID) }
        if known[kid] == nil { await reloadIfDue() }
        guard let keyAlgorithm = known[kid] else { return .failure(.unknownKey(kid)) }
        guard keyAlgorithm == algorithm else { return .failure(.keyAlgorithmMismatch(kid: kid, alg: alg)) }
        do {
            _ = try await keys.verify(token, as: TokenClaims.self)
        } catch {
            return .failure(.badSignature)
        }
        do {
            try check(unverified)
        } catch {
            return .failure(error)
        }
        return .success(unverified)
    }

    private func check(_ claims: TokenClaims) throws(TokenRejection) {
        let now = seconds()
        guard let expiry = try claims.seconds("exp") else { throw .missingClaim("exp") }
        guard now <= expiry + Self.leewaySeconds else { throw .expired }
        if let notBefore = try claims.seconds("nbf") { guard now + Self.leewaySeconds >= notBefore else { throw .notYetValid } }
        guard case .string(let issuer)? = claims["iss"] else { throw claims["iss"] == nil ? .missingClaim("iss") : .unreadableClaim("iss") }
        guard issuer == settings.issuer else { throw .wrongIssuer }
        guard let audiences = claims["aud"]?.strings else { throw claims["aud"] == nil ? .missingClaim("aud") : .unreadableClaim("aud") }
        guard audiences.contains(settings.audience) else { throw .wrongAudience }
    }

    /// Reads the key set again unless that was tried within the last minute; callers that arrive while a
    /// read is under way wait for it instead of starting another.
    private func reloadIfDue() async {
        if let reloading {
            await reloading.value
            return
        }
        if let lastFetch, clock.now().microsecondsSinceEpoch - lastFetch.microsecondsSinceEpoch < Self.refetchIntervalMicroseconds { return }
        let task = Task { await self.reloadLogged() }
        reloading = task
        await task.value
        reloading = nil
    }

    private func reloadLogged() async {
        do {
            try await loadKeys()
            logger.info("key set read again for an unknown kid", metadata: ["keys": "\(known.keys.sorted().joined(separator: ","))"])
        } catch {
            logger.warning("key set could not be read again; keeping the previous keys", metadata: ["error": "\(error)"])
        }
    }

    public struct InvalidKeySet: Error, CustomStringConvertible {
        public let description: String
    }

    /// The RS256 and ES256 (P-256) keys of a JWKS document, each bound to its one algorithm by `kid`;
    /// keys of other types or algorithms are skipped.
    static func keySet(_ bytes: [UInt8]) async throws -> (JWTKeyCollection, [String: Algorithm]) {
        let jwks: JWKS
        do { jwks = try JSONDecoder().decode(JWKS.self, from: Data(bytes)) } catch { throw InvalidKeySet(description: "the key set is not a JWKS document: \(error)") }
        let collection = JWTKeyCollection()
        var algorithms: [String: Algorithm] = [:]
        for jwk in jwks.keys {
            guard let kid = jwk.keyIdentifier else { continue }
            switch jwk.keyType {
            case .rsa where jwk.algorithm == nil || jwk.algorithm == .rs256:
                guard let modulus = jwk.modulus, let exponent = jwk.exponent else { continue }
                await collection.add(rsa: try Insecure.RSA.PublicKey(modulus: modulus, exponent: exponent), digestAlgorithm: .sha256, kid: kid)
                algorithms[kid.string] = .rs256
            case .ecdsa where jwk.curve == .ecdsa(.p256) && (jwk.algorithm == nil || jwk.algorithm == .es256):
                guard let x = jwk.x, let y = jwk.y else { continue }
                await collection.add(ecdsa: try ES256PublicKey(parameters: (x, y)), kid: kid)
                algorithms[kid.string] = .es256
            default: continue
            }
        }
        guard !algorithms.isEmpty else { throw InvalidKeySet(description: "the key set holds no RS256 or ES256 (P-256) key with a kid") }
        return (collection, algorithms)
    }
}
