import CoraData
import CoraKernel
import Foundation
import NIOCore
import PostgresNIO

extension PostgresStore {
    public func catalogSecrets() async throws -> CatalogSecrets {
        let fresh = CatalogSecrets.fresh()
        return try await bounded { [self] in
            let key = ByteBuffer(bytes: fresh.sessionKey)
            let rows = try await client.query("""
                WITH inserted AS (
                    INSERT INTO catalog_secrets (id, session_key, operator_principal) VALUES (1, \(key), \(fresh.operatorPrincipal.uuid))
                    ON CONFLICT (id) DO NOTHING RETURNING session_key, operator_principal
                )
                SELECT session_key, operator_principal FROM inserted
                UNION ALL SELECT session_key, operator_principal FROM catalog_secrets WHERE id = 1
                """, logger: logger)
            for try await (stored, principal) in rows.decode((ByteBuffer, UUID).self) {
                return CatalogSecrets(sessionKey: Array(stored.readableBytesView), operatorPrincipal: PrincipalID(principal))
            }
            throw StoreError.corrupt("no catalog secrets")
        }
    }

    public func addLoginLink(tokenHash: [UInt8], principal: PrincipalID, expiresAt: Timestamp) async throws {
        try await bounded { [self] in
            _ = try await client.query("""
                INSERT INTO catalog_login_links (token_hash, principal, expires_at)
                VALUES (\(ByteBuffer(bytes: tokenHash)), \(principal.uuid), timestamptz 'epoch' + \(expiresAt.microsecondsSinceEpoch)::int8 * interval '1 microsecond')
                """, logger: logger).collect()
        }
    }

    public func useLoginLink(tokenHash: [UInt8], now: Timestamp) async throws -> PrincipalID? {
        try await bounded { [self] in
            let at = now.microsecondsSinceEpoch
            let rows = try await client.query("""
                UPDATE catalog_login_links SET used_at = timestamptz 'epoch' + \(at)::int8 * interval '1 microsecond'
                WHERE token_hash = \(ByteBuffer(bytes: tokenHash)) AND used_at IS NULL
                  AND expires_at > timestamptz 'epoch' + \(at)::int8 * interval '1 microsecond'
                RETURNING principal
                """, logger: logger)
            for try await principal in rows.decode(UUID.self) { return PrincipalID(principal) }
            return nil
        }
    }
}
