import CoraData
import CoraKernel
import Foundation
import SQLiteNIO

extension SQLiteStore {
    public func catalogSecrets() async throws -> CatalogSecrets {
        let fresh = CatalogSecrets.fresh()
        return try await writing { connection in
            _ = try await connection.query("INSERT INTO catalog_secrets (id, session_key, operator_principal) VALUES (1, ?, ?) ON CONFLICT (id) DO NOTHING",
                                           [.blob(ByteBuffer(bytes: fresh.sessionKey)), .text(fresh.operatorPrincipal.description)])
            guard let row = try await connection.query("SELECT session_key, operator_principal FROM catalog_secrets WHERE id = 1").first,
                  let key = row.column("session_key")?.blob, let principal = row.column("operator_principal")?.string.flatMap(UUID.init(strict:))
            else { throw StoreError.corrupt("unreadable catalog secrets") }
            return CatalogSecrets(sessionKey: Array(key.readableBytesView), operatorPrincipal: PrincipalID(principal))
        }
    }

    public func addLoginLink(tokenHash: [UInt8], principal: PrincipalID, expiresAt: Timestamp) async throws {
        try await writing { connection in
            _ = try await connection.query("INSERT INTO catalog_login_links (token_hash, principal, expires_at) VALUES (?, ?, ?)",
                                           [.blob(ByteBuffer(bytes: tokenHash)), .text(principal.description), .integer(Int(expiresAt.microsecondsSinceEpoch))])
        }
    }

    public func useLoginLink(tokenHash: [UInt8], now: Timestamp) async throws -> PrincipalID? {
        try await writing { connection in
            let used = try await connection.query("""
                UPDATE catalog_login_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING principal
                """, [.integer(Int(now.microsecondsSinceEpoch)), .blob(ByteBuffer(bytes: tokenHash)), .integer(Int(now.microsecondsSinceEpoch))])
            return used.first?.column("principal")?.string.flatMap(UUID.init(strict:)).map(PrincipalID.init)
        }
    }
}
