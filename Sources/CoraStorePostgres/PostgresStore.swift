import CoraData
import CoraKernel
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The production store: events, idempotency keys and the read models in one PostgreSQL database,
/// shared by any number of stateless server processes.
///
/// A ServiceLifecycle service: its connection pool works while `run()` runs, which the composition root
/// runs beside the server (a `ServiceGroup`) or beside a CLI command; `migrate()` and every other call
/// need it running.
public final class PostgresStore: CoraStore, Service {
    let client: PostgresClient
    let clock: any WallClock
    let eventIDs: any IDGenerator
    let retention: Int64
    let logger: Logger
    /// No store call may hang a request: past this it answers StoreUnavailable.
    let operationTimeout: Duration
    /// A hot standby answers reads only; the change feed there cannot take the transaction id its proof
    /// of finality needs, so a page with a gap is refused (`StoreError.notFinalOnReplica`) for the primary to read.
    public enum Role: Sendable { case primary, replica }
    let role: Role
    /// Whole-table maintenance (a rebuild's orphan sweep) reads every row: minutes on a large catalogue.
    static let maintenanceTimeout = Duration.seconds(600)

    public struct InvalidURL: Error, CustomStringConvertible {
        public let description: String
    }

    /// Connections per process unless the URL says `pool_size`. Each pooled connection costs the server
    /// ~1.4 MB once used (peak RSS at 64 clients: 95 MB with 20 connections, 66 MB with 4), and on a
    /// 2-core machine 4, 8 and 20 gave the same throughput; but requests wait for a connection inside
    /// the store's 5 s deadline, and with 4 a burst of 20 registers on a busy CI machine answered 503
    /// eight times. 10 keeps bursts inside the deadline and memory well under 100 MB.
    public static let defaultPoolSize = 10

    /// `postgres://user:password@host:port/database[?sslmode=disable|prefer|require][&pool_size=N]`
    public static func configuration(url: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty
        else { throw InvalidURL(description: "expected postgres://user:password@host:port/database, got '\(url)'") }
        let database = String(components.path.dropFirst())
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require": tls = .require(.makeClientConfiguration())
        default: throw InvalidURL(description: "sslmode must be disable, prefer or require")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? nil : database, tls: tls)
        configuration.options.connectTimeout = .seconds(3)
        if let poolSize = components.queryItems?.first(where: { $0.name == "pool_size" }) {
            guard let size = poolSize.value.flatMap(Int.init), (1...1_000).contains(size) else {
                throw InvalidURL(description: "pool_size must be a whole number from 1 to 1000")
            }
            configuration.options.maximumConnections = size
        } else {
            configuration.options.maximumConnections = defaultPoolSize
        }
        return configuration
    }

    /// A store for the database at `url`; nothing connects until `run()` runs.
    ///
    /// `keepsPoolOpen` opens every connection of the pool when it starts and keeps them open, as a
    /// long-running server wants: besides sparing a connection set-up in the tail, PostgresNIO arms an
    /// idle-timeout timer (two child tasks and a Dispatch timer) each time a connection above the pool's
    /// minimum is released, that is after every query; a full minimum arms none.
    public init(
        url: String, clock: any WallClock = SystemClock(), eventIDs: any IDGenerator = UUIDv7Generator(),
        idempotencyRetentionSeconds: Int64 = 86_400, operationTimeout: Duration = .seconds(5), role: Role = .primary,
        keepsPoolOpen: Bool = false, logger: Logger = Logger(label: "cora.postgres")
    ) throws {
        self.role = role
        var configuration = try Self.configuration(url: url)
        if keepsPoolOpen { configuration.options.minimumConnections = configuration.options.maximumConnections }
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.clock = clock
        self.eventIDs = eventIDs
        self.retention = idempotencyRetentionSeconds * 1_000_000
        self.logger = logger
        self.operationTimeout = operationTimeout
    }

    /// Runs the connection pool until the task is cancelled or the service group shuts down.
    public func run() async throws {
        await client.run()
    }

    /// Applies every migration not yet recorded, one transaction each, holding a session advisory lock so
    /// concurrent starters wait for each other instead of racing on DDL.
    public func migrate() async throws {
        try await client.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(PostgresSchema.migrationLockKey))", logger: logger)
            do {
                try await connection.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())", logger: logger)
                var current = 0
                for try await version in try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger).decode(Int.self) {
                    current = version
                }
                for (offset, statements) in PostgresSchema.migrations.enumerated() where offset + 1 > current {
                    let version = offset + 1
                    try await connection.withTransaction(logger: logger) { connection in
                        for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                        try await connection.query("INSERT INTO schema_migrations (version) VALUES (\(version))", logger: logger)
                    }
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(PostgresSchema.migrationLockKey))", logger: logger)
                throw error
            }
            try await connection.query("SELECT pg_advisory_unlock(\(PostgresSchema.migrationLockKey))", logger: logger)
        }
    }

    // MARK: EventStore

    /// A command in at most three round trips (see `PostgresTransaction`): nothing is written before the
    /// last, which commits.
    public func transaction<T: Sendable>(_ work: @escaping @Sendable (any DataTransaction) async throws -> (T, [RecordedEvent])) async throws -> (T, [RecordedEvent]) {
        try await bounded { [self] in
            try await client.withConnection { connection in
                let transaction = PostgresTransaction(connection: connection, store: self)
                let (result, appended): (T, [RecordedEvent])
                do { (result, appended) = try await work(transaction) } catch { throw ThrownByWork(error: error) }
                let positions = try await transaction.commit()
                return (result, try appended.map { event in
                    guard event.position < 0 else { return event }
                    let index = Int(-event.position) - 1
                    guard positions.indices.contains(index) else { throw StoreError.corrupt("no final position for event \(index + 1) of the commit") }
                    return event.finalized(at: positions[index])
                })
            }
        }
    }

    public func readStream(_ stream: StreamID) async throws -> [RecordedEvent] {
        try await readStreams([stream])[stream] ?? []
    }

    public func readStreams(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]] {
        try await bounded { [self] in
            try await client.withConnection { connection in try await PostgresEventRows.load(streams, on: connection, logger: logger) }
        }
    }

    public func readEvents(after: Int64, limit: Int, streamType: StreamType?) async throws -> [RecordedEvent] {
        try await bounded { [self] in
            try await client.withConnection { connection in
                try await PostgresEventFeed.read(after: after, limit: limit, streamType: streamType, decidesGaps: role == .primary, on: connection, logger: logger)
            }
        }
    }

    public func headPosition() async throws -> Int64 {
        try await bounded { [self] in
            for try await head in try await client.query("SELECT COALESCE(MAX(position), 0) FROM events", logger: logger).decode(Int64.self) { return head }
            return 0
        }
    }

    public func ping() async throws {
        try await bounded { [self] in _ = try await client.query("SELECT 1", logger: logger).collect() }
    }

    /// The pool closes when `run()` ends; nothing else is held.
    public func close() async throws {}

    // MARK: DatasetSummaryReader

    public func listDatasets(_ filter: DatasetListFilter, after: DatasetListPosition?, limit: Int) async throws -> [DatasetSummaryRow] {
        try await bounded { [self] in
            var rows: [DatasetSummaryRow] = []
            for try await row in try await client.query(PostgresDatasetSummaryModel.list(filter, after: after, limit: limit), logger: logger) {
                rows.append(try PostgresDatasetSummaryModel.row(row))
            }
            return rows
        }
    }

    // MARK: DatasetGraphReader

    public func readGraph<T: Sendable>(_ body: @escaping @Sendable (any DatasetGraphSnapshot) async throws -> T) async throws -> T {
        try await bounded { [self] in
            try await client.withConnection { connection in
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                do {
                    let result = try await body(PostgresGraphSnapshot(connection: connection, logger: logger))
                    try await connection.query("COMMIT", logger: logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        }
    }

    // MARK: Plans

    /// `EXPLAIN (FORMAT JSON)` of the list query this store would run; tests prove index use with it.
    public func explainList(_ filter: DatasetListFilter, after: DatasetListPosition?, limit: Int) async throws -> String {
        try await explain(PostgresDatasetSummaryModel.list(filter, after: after, limit: limit))
    }

    /// `EXPLAIN (FORMAT JSON)` of the stream-loading query.
    public func explainLoad(_ streams: [StreamID]) async throws -> String {
        try await explain(PostgresEventRows.query(streams))
    }

    private func explain(_ query: PostgresQuery) async throws -> String {
        var plan = ""
        let rows = try await client.query(PostgresQuery(unsafeSQL: "EXPLAIN (FORMAT JSON) " + query.sql, binds: query.binds), logger: logger)
        for try await line in rows.decode(String.self) { plan += line }
        return plan
    }

    // MARK: Failure handling

    /// Runs `operation` with the store's time limit and turns connection-level failures into
    /// `StoreError.unavailable`, so an outage answers 503 quickly instead of hanging or answering 500.
    ///
    /// Not a task group: a group waits for every child, and a pool lease stuck on an unreachable server
    /// does not end promptly on cancellation. The caller is answered at the deadline; the abandoned
    /// operation is cancelled and finishes (or fails) on its own.
    func bounded<T: Sendable>(within limit: Duration? = nil, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = limit ?? operationTimeout
        let answer = FirstAnswer<T>()
        return try await withCheckedThrowingContinuation { continuation in
            answer.wait(continuation)
            let work = Task {
                do { answer.give(.success(try await operation())) } catch { answer.give(.failure(Self.translate(error))) }
            }
            // A timer on an event loop rather than a second, sleeping task: per store call that saved a
            // task and a Dispatch timer (the Dispatch timer thread alone was ~4 % of a profile of GET).
            let (seconds, attoseconds) = timeout.components
            let deadline = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)) {
                work.cancel()
                answer.give(.failure(StoreError.unavailable("no answer within \(timeout)")))
            }
            answer.onAnswer { deadline.cancel() }
        }
    }

    /// Domain and store errors, and whatever a transaction's work threw, pass through; a SQL error stays
    /// what it is unless its state says the server is going away; everything else out of the client (PSQL
    /// connection codes, NIO channel and socket errors: how a vanished server shows up) is unavailable.
    static func translate(_ error: any Error) -> any Error {
        if let thrown = error as? ThrownByWork { return thrown.error is PSQLError ? translate(thrown.error) : thrown.error }
        if let transaction = error as? PostgresTransactionError {
            // What the work itself threw (a domain refusal, say) is not the database's doing.
            if let thrown = transaction.closureError { return thrown is PSQLError ? translate(thrown) : thrown }
            return translate(transaction.commitError ?? transaction.beginError ?? StoreError.unavailable("transaction failed"))
        }
        if error is any ProblemReportable { return error }
        guard let psql = error as? PSQLError else { return StoreError.unavailable("\(type(of: error))") }
        if psql.code == .server {
            let state = psql.serverInfo?[.sqlState] ?? ""
            // Class 08: connection exception; 57P0x: shutting down; 53xxx: out of resources.
            if state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53") {
                return StoreError.unavailable(state)
            }
            return error
        }
        let connectionFailures: [PSQLError.Code] = [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed]
        return connectionFailures.contains(psql.code) ? StoreError.unavailable("\(psql.code)") : error
    }
}

/// What a command's own work threw (a domain refusal, say): not the database's doing, so it passes
/// through `translate` as it is.
private struct ThrownByWork: Error {
    let error: any Error
}

/// Resumes a continuation with whichever answer arrives first; later ones are dropped.
private final class FirstAnswer<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var answered = false
        var onAnswer: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLock { $0.continuation = continuation }
    }

    /// Runs `action` once an answer has been given (at once if it already has).
    func onAnswer(_ action: @escaping @Sendable () -> Void) {
        let answered = state.withLock { state in
            if !state.answered { state.onAnswer = action }
            return state.answered
        }
        if answered { action() }
    }

    func give(_ result: Result<T, any Error>) {
        let taken = state.withLock { state -> (CheckedContinuation<T, any Error>, (@Sendable () -> Void)?)? in
            guard !state.answered, let continuation = state.continuation else { return nil }
            state.answered = true
            state.continuation = nil
            defer { state.onAnswer = nil }
            return (continuation, state.onAnswer)
        }
        guard let (continuation, onAnswer) = taken else { return }
        continuation.resume(with: result)
        onAnswer?()
    }
}
