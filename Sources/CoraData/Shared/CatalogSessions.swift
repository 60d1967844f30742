import CoraKernel
import Foundation

/// What the catalog pages' sign-in keeps in the database, so that every process on one database signs
/// and accepts the same sessions and a login link works once, whichever process serves it.
public protocol CatalogSessionStore: Sendable {
    /// The key sessions are signed with and the operator principal, made the first time they are asked for.
    func catalogSecrets() async throws -> CatalogSecrets
    /// Keeps a login link (by the hash of its token) for `principal` until `expiresAt`.
    func addLoginLink(tokenHash: [UInt8], principal: PrincipalID, expiresAt: Timestamp) async throws
    /// The link's principal if it exists, was never used and has not expired at `now`; it is used from
    /// then on, in the same statement, so two concurrent uses cannot both succeed.
    func useLoginLink(tokenHash: [UInt8], now: Timestamp) async throws -> PrincipalID?
}

public struct CatalogSecrets: Sendable, Equatable {
    public let sessionKey: [UInt8]
    public let operatorPrincipal: PrincipalID

    public init(sessionKey: [UInt8], operatorPrincipal: PrincipalID) {
        self.sessionKey = sessionKey
        self.operatorPrincipal = operatorPrincipal
    }

    /// 32 random bytes and a random principal, for a database that has none yet.
    public static func fresh() -> CatalogSecrets {
        var generator = SystemRandomNumberGenerator()
        return CatalogSecrets(sessionKey: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }, operatorPrincipal: PrincipalID(UUID()))
    }
}
