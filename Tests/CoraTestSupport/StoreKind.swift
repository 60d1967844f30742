import CoraData
import CoraKernel
import CoraStorePostgres
import CoraStoreSQLite
import Foundation
import SQLiteNIO

/// The stores the store-level and HTTP-level suites run against. PostgreSQL runs on a throwaway
/// cluster the tests start themselves; where no PostgreSQL binaries exist it is skipped with a
/// warning, except under `CI=true`, where its tests run and fail.
public enum StoreKind: String, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    public var description: String { rawValue }

    public static let allCases: [StoreKind] = {
        if case .unavailable(let why) = PostgresCluster.availability, !PostgresCluster.isCI {
            print("WARNING: PostgreSQL store tests SKIPPED: \(why). Install PostgreSQL or set CORA_TEST_POSTGRES_URL.")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }()

    /// A fresh, empty store of this kind; `close` releases it and its files.
    public func open(clock: any WallClock = SystemClock(), eventIDs: any IDGenerator = UUIDv7Generator(), retentionSeconds: Int64 = 86_400) async throws -> OpenedStore {
        switch self {
        case .sqlite:
            let database = try TemporarySQLite()
            let store = try await SQLiteStore.open(path: database.path, clock: clock, eventIDs: eventIDs, idempotencyRetentionSeconds: retentionSeconds)
            return OpenedStore(store: store, location: "sqlite:" + database.path, cleanup: database.cleanup)
        case .postgres:
            return try await Self.openPostgres(url: try await PostgresCluster.shared.freshDatabaseURL(), clock: clock, eventIDs: eventIDs, retentionSeconds: retentionSeconds)
        }
    }

    /// The store at a location a test already has (a database it keeps between two opens): migrated, and
    /// closed without removing anything.
    public static func reopen(_ location: String, clock: any WallClock = SystemClock()) async throws -> OpenedStore {
        if location.hasPrefix("sqlite:") {
            let store = try await SQLiteStore.open(path: String(location.dropFirst("sqlite:".count)), clock: clock)
            return OpenedStore(store: store, location: location, cleanup: {})
        }
        return try await openPostgres(url: location, clock: clock)
    }

    /// A fresh, empty database of this kind that the caller removes (`cleanup`), for tests that open it more than once.
    public func freshLocation() async throws -> (location: String, cleanup: @Sendable () -> Void) {
        switch self {
        case .sqlite:
            let database = try TemporarySQLite()
            return ("sqlite:" + database.path, database.cleanup)
        case .postgres:
            return (try await PostgresCluster.shared.freshDatabaseURL(), {})
        }
    }

    /// A PostgreSQL store on `url`, migrated, its pool running (as the composition root runs it, beside
    /// its user) until the store is closed.
    public static func openPostgres(url: String, clock: any WallClock = SystemClock(), eventIDs: any IDGenerator = UUIDv7Generator(),
                                    retentionSeconds: Int64 = 86_400, operationTimeout: Duration = .seconds(5)) async throws -> OpenedStore {
        let store = try PostgresStore(url: url, clock: clock, eventIDs: eventIDs, idempotencyRetentionSeconds: retentionSeconds, operationTimeout: operationTimeout)
        let pool = Task { try await store.run() }
        do {
            try await store.migrate()
        } catch {
            pool.cancel()
            throw error
        }
        return OpenedStore(store: store, location: url, cleanup: { pool.cancel() })
    }
}

public struct OpenedStore: Sendable {
    public let store: any CoraStore
    /// A `CORA_DATABASE_URL` naming the same database.
    public let location: String
    let cleanup: @Sendable () -> Void

    public func close() async throws {
        try await store.close()
        cleanup()
    }

    /// Events in the database, counted on a connection of its own.
    public func eventCount() async throws -> Int {
        Int(try await execute("SELECT COUNT(*) FROM events")) ?? -1
    }

    /// Runs raw SQL behind the store's back (to count, or to corrupt the projection on purpose);
    /// returns the first column of the first row as text.
    @discardableResult
    public func execute(_ sql: String) async throws -> String {
        if location.hasPrefix("sqlite:") {
            let raw = try await SQLiteConnection.open(storage: .file(path: String(location.dropFirst("sqlite:".count))))
            defer { Task { try? await raw.close() } }
            return try await raw.query(sql).first?.columns.first?.data.description ?? ""
        }
        return try PostgresCluster.query(location, sql)
    }
}
