import CoraData
import CoraKernel
import Foundation
import Logging
import SQLiteNIO
import Synchronization

/// The embedded event store: one SQLite file in WAL mode, one writer connection shared by group commit
/// (SQLite allows one writer), and a few reader connections that read committed data while a write runs.
public final class SQLiteStore: CoraStore {
    private let writer: SQLiteConnection
    private let readers: [SQLiteConnection]
    private let nextReader = Atomic<Int>(0)
    private let writes: GroupCommitWriter
    private let clock: any WallClock
    private let eventIDs: any IDGenerator
    private let idempotencyRetention: Int64

    static let readerMapBytes = 1 << 30

    /// Opens (creating if needed) the database at `path` and applies pending migrations.
    public static func open(
        path: String, readerCount: Int = 2, clock: any WallClock = SystemClock(), eventIDs: any IDGenerator = UUIDv7Generator(),
        idempotencyRetentionSeconds: Int64 = 86_400, logger: Logger = Logger(label: "cora.sqlite")
    ) async throws -> SQLiteStore {
        let writer = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"] {
            _ = try await writer.query(pragma)
        }
        try await migrate(writer)
        var readers: [SQLiteConnection] = []
        for _ in 0..<max(1, readerCount) {
            let reader = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
            _ = try await reader.query("PRAGMA query_only = 1")
            // Walks and lists touch pages all over a large file: mapped, a page read is a memory access to
            // the OS cache instead of a read() call copying into a 2 MB page cache that thrashes.
            _ = try await reader.query("PRAGMA mmap_size = \(Self.readerMapBytes)")
            readers.append(reader)
        }
        return SQLiteStore(writer: writer, readers: readers, clock: clock, eventIDs: eventIDs, retention: idempotencyRetentionSeconds * 1_000_000)
    }

    private init(writer: SQLiteConnection, readers: [SQLiteConnection], clock: any WallClock, eventIDs: any IDGenerator, retention: Int64) {
        self.writer = writer
        self.writes = GroupCommitWriter(connection: writer)
        self.readers = readers
        self.clock = clock
        self.eventIDs = eventIDs
        self.idempotencyRetention = retention
    }

    static func migrate(_ connection: SQLiteConnection) async throws {
        _ = try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
        let applied = try await connection.query("SELECT COALESCE(MAX(version), 0) AS version FROM schema_migrations")
        let current = applied.first?.column("version")?.integer ?? 0
        for (offset, statements) in SQLiteSchema.migrations.enumerated() where offset + 1 > current {
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                for statement in statements { _ = try await connection.query(statement) }
                _ = try await connection.query("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                                               [.integer(offset + 1), .integer(Int(SystemClock().now().microsecondsSinceEpoch))])
                _ = try await connection.query("COMMIT")
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    private var reader: SQLiteConnection {
        readers[nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count]
    }

    // MARK: EventStore

    /// Positions are final as soon as `insert` answers: one writer takes them inside its transaction.
    public func transaction<T: Sendable>(_ work: @escaping @Sendable (any DataTransaction) async throws -> (T, [RecordedEvent])) async throws -> (T, [RecordedEvent]) {
        try await writing { [clock, eventIDs, idempotencyRetention] connection in
            try await work(SQLiteTransaction(connection: connection, clock: clock, eventIDs: eventIDs, retention: idempotencyRetention))
        }
    }

    /// One unit of writing on the single writer connection, atomic on its own and answered once durable;
    /// see `GroupCommitWriter`. Its transactions take SQLite's write lock up front (`BEGIN IMMEDIATE`).
    func writing<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        do { return try await writes.write(body) } catch { throw Self.translate(error) }
    }

    func readOnly<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        do { return try await body(reader) } catch { throw Self.translate(error) }
    }

    public func readStream(_ stream: StreamID) async throws -> [RecordedEvent] {
        try await readStreams([stream])[stream] ?? []
    }

    public func readStreams(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]] {
        try await readOnly { try await SQLiteEventRows.load(streams, from: $0) }
    }

    /// One writer at a time takes positions and commits them in order, so every committed position is final.
    public func readEvents(after: Int64, limit: Int, streamType: StreamType?) async throws -> [RecordedEvent] {
        var sql = "SELECT \(SQLiteEventRows.columns) FROM events WHERE position > ?"
        var binds: [SQLiteData] = [.integer(Int(after))]
        if let streamType {
            sql += " AND stream_type = ?"
            binds.append(.text(streamType.rawValue))
        }
        sql += " ORDER BY position LIMIT ?"
        binds.append(.integer(limit))
        return try await readOnly { [sql, binds] in try await $0.query(sql, binds).map(SQLiteEventRows.decode) }
    }

    public func headPosition() async throws -> Int64 {
        try await readOnly { Int64(try await $0.query("SELECT COALESCE(MAX(position), 0) AS head FROM events").first?.column("head")?.integer ?? 0) }
    }

    public func ping() async throws {
        _ = try await readOnly { try await $0.query("SELECT 1") }
    }

    public func close() async throws {
        for connection in readers + [writer] { try await connection.close() }
    }

    // MARK: DatasetSummaryReader

    public func listDatasets(_ filter: DatasetListFilter, after: DatasetListPosition?, limit: Int) async throws -> [DatasetSummaryRow] {
        let query = SQLiteDatasetSummaryModel.list(filter, after: after, limit: limit)
        return try await readOnly { try await $0.query(query.sql, query.binds).map(SQLiteDatasetSummaryModel.row) }
    }

    // MARK: DatasetGraphReader

    public func readGraph<T: Sendable>(_ body: @escaping @Sendable (any DatasetGraphSnapshot) async throws -> T) async throws -> T {
        try await readOnly { try await body(SQLiteGraphSnapshot(connection: $0)) }
    }

    /// Known SQLite failures become the store's typed errors; domain errors pass through untouched.
    static func translate(_ error: any Error) -> any Error {
        guard let sqlite = error as? SQLiteError else { return error }
        switch sqlite.reason {
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked, .ioError, .full, .cantOpen, .readOnly:
            return StoreError.unavailable(sqlite.message)
        default:
            return error
        }
    }

    /// The query plan SQLite picks for a list query (tests use it to prove an index serves a filter).
    public func explainList(_ filter: DatasetListFilter, after: DatasetListPosition?, limit: Int) async throws -> [String] {
        let query = SQLiteDatasetSummaryModel.list(filter, after: after, limit: limit)
        return try await reader.query("EXPLAIN QUERY PLAN " + query.sql, query.binds).compactMap { $0.column("detail")?.string }
    }
}
