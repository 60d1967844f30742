import CoraData
import CoraKernel
import CoraPages
import Crypto
import CoraWire
import Foundation
import Synchronization

/// Who may look at the catalog pages, and how a person signs in without a proxy: a one-time login link
/// starts a session cookie signed with the database's key, so every process on the database accepts it.
public final class CatalogAccess: Sendable {
    public let pages: CatalogPages
    /// Read from the database once it is migrated (`load`); until then no session verifies.
    private let loaded = Mutex<CatalogSecrets?>(nil)
    /// Whether `X-Principal-Id` names the caller of a page: always in header mode; in bearer mode only
    /// when the operator says a proxy sets it (`--ui-trust-proxy-header`).
    let trustsProxyHeader: Bool
    let clock: any WallClock

    public static let cookieName = "cora_session"
    public static let sessionSeconds: Int64 = 12 * 3600
    public static let linkSeconds: Int64 = 10 * 60

    public init(pages: CatalogPages, trustsProxyHeader: Bool, clock: any WallClock = SystemClock()) {
        self.pages = pages
        self.trustsProxyHeader = trustsProxyHeader
        self.clock = clock
    }

    /// Reads (making them the first time) the database's session key and operator principal.
    @discardableResult
    public func load(from store: any CatalogSessionStore) async throws -> CatalogSecrets {
        let secrets = try await store.catalogSecrets()
        loaded.withLock { $0 = secrets }
        return secrets
    }

    /// A new login link's token for `principal`, kept (by its hash) in the database for 10 minutes.
    public static func newLoginLink(for principal: PrincipalID, store: any CatalogSessionStore, clock: any WallClock = SystemClock()) async throws -> String {
        var generator = SystemRandomNumberGenerator()
        let token = base64URL((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try await store.addLoginLink(tokenHash: tokenHash(token), principal: principal, expiresAt: clock.now().adding(microseconds: linkSeconds * 1_000_000))
        return token
    }

    /// `<base>/ui/login?token=…`.
    public static func loginURL(base: String, token: String) -> String { base + "/ui/login?token=" + token }

    static func tokenHash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }

    /// The cookie's value: the principal, the expiry (µs, big-endian) and an HMAC-SHA256 over both.
    func sessionValue(for principal: PrincipalID) throws -> String {
        guard let key = loaded.withLock({ $0?.sessionKey }) else { throw RequestError.unauthenticated("The catalog is still starting; try again in a moment.") }
        let expiry = clock.now().adding(microseconds: Self.sessionSeconds * 1_000_000).microsecondsSinceEpoch
        let body = withUnsafeBytes(of: principal.uuid.uuid) { Array($0) } + withUnsafeBytes(of: expiry.bigEndian) { Array($0) }
        return Self.base64URL(body + Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: key))))
    }

    /// The `Set-Cookie` that starts a session; `Secure` when the page was served over https.
    func sessionCookie(for principal: PrincipalID, secure: Bool) throws -> String {
        "\(Self.cookieName)=\(try sessionValue(for: principal)); Path=/ui; Max-Age=\(Self.sessionSeconds); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    /// The principal of a valid, unexpired session cookie among the request's cookies.
    func principal(cookies header: String?) -> PrincipalID? {
        guard let header, let key = loaded.withLock({ $0?.sessionKey }) else { return nil }
        for pair in header.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(\.trimmingOptionalWhitespace)
            guard parts.count == 2, parts[0] == Self.cookieName, let bytes = Self.bytes(base64URL: parts[1]), bytes.count == 56 else { continue }
            let body = Array(bytes[0..<24])
            // Compared in constant time: a forger learns nothing from how long a wrong MAC takes.
            guard HMAC<SHA256>.isValidAuthenticationCode(Array(bytes[24...]), authenticating: body, using: SymmetricKey(data: key)) else { continue }
            let expiry = body[16..<24].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            guard clock.now().microsecondsSinceEpoch < expiry else { continue }
            let uuid = body[0..<16].withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
            return PrincipalID(uuid)
        }
        return nil
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func bytes(base64URL text: String) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map(Array.init)
    }
}
