import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

/// The catalog's sign-in state on each store: one set of secrets per database, shared by every process
/// on it, and login links that work once, before they expire.
@Suite("Catalog sessions in the database")
struct CatalogSessionTests {
    @Test(arguments: StoreKind.allCases)
    func theSecretsAreMadeOnceAndSharedByEveryStoreOnTheDatabase(_ kind: StoreKind) async throws {
        let location = try await kind.freshLocation()
        let first = try await StoreKind.reopen(location.location)
        let second = try await StoreKind.reopen(location.location)
        let made = try await first.store.catalogSecrets()
        #expect(made.sessionKey.count == 32)
        #expect(try await first.store.catalogSecrets() == made)
        #expect(try await second.store.catalogSecrets() == made, "a second process on the database signs with the same key")
        try await first.close()
        try await second.close()
        let reopened = try await StoreKind.reopen(location.location)
        #expect(try await reopened.store.catalogSecrets() == made, "kept across restarts")
        try await reopened.close()
        location.cleanup()
    }

    @Test(arguments: StoreKind.allCases)
    func aLoginLinkWorksOnceAndNotAfterItExpires(_ kind: StoreKind) async throws {
        let opened = try await kind.open()
        let store = opened.store
        let now = Timestamp(microsecondsSinceEpoch: 1_800_000_000_000_000)
        let later = now.adding(microseconds: 600_000_000)
        let principal = PrincipalID(UUID())
        try await store.addLoginLink(tokenHash: Array(repeating: 1, count: 32), principal: principal, expiresAt: later)
        #expect(try await store.useLoginLink(tokenHash: Array(repeating: 2, count: 32), now: now) == nil, "unknown")
        #expect(try await store.useLoginLink(tokenHash: Array(repeating: 1, count: 32), now: now) == principal)
        #expect(try await store.useLoginLink(tokenHash: Array(repeating: 1, count: 32), now: now) == nil, "used")
        try await store.addLoginLink(tokenHash: Array(repeating: 3, count: 32), principal: principal, expiresAt: later)
        #expect(try await store.useLoginLink(tokenHash: Array(repeating: 3, count: 32), now: later) == nil, "expired")
        // Ten concurrent uses of one link: exactly one signs in.
        try await store.addLoginLink(tokenHash: Array(repeating: 4, count: 32), principal: principal, expiresAt: later)
        let uses = try await withThrowingTaskGroup(of: PrincipalID?.self) { group in
            for _ in 0..<10 { group.addTask { try await store.useLoginLink(tokenHash: Array(repeating: 4, count: 32), now: now) } }
            return try await group.reduce(into: [PrincipalID?]()) { $0.append($1) }
        }
        #expect(uses.compactMap { $0 } == [principal])
        try await opened.close()
    }
}
