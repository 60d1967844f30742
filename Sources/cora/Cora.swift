import ArgumentParser
import CoraData
import CoraHTTP
import CoraKernel
import CoraMCP
import MCP
import CoraStoreSQLite
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization

@main
enum Entry {
    /// What `Cora.main()` does, with one step before the command runs: `serve` on PostgreSQL moves Swift
    /// concurrency onto NIO's event loops, which must happen on the main thread before any task starts.
    static func main() async {
        do {
            var command = try Cora.parseAsRoot()
            if let serve = command as? Serve, serve.storesInPostgreSQL {
                // A register is eight round trips to PostgreSQL; with the handler's task on the event loop
                // that reads the answers, none of them hops threads. Measured with wrk, 32 clients:
                // +17 % registers/s on PostgreSQL, but -15 % on SQLite (its writes run on sqlite-nio's
                // own threads), so it is installed for PostgreSQL only (figures in BENCHMARKS.md).
                NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            Cora.exit(withError: error)
        }
    }
}

struct Cora: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cora",
        abstract: "CORA Data service: the system of record for a facility's data products.",
        subcommands: [Serve.self, Mcp.self, Migrate.self, Import.self, Projections.self]
    )
}

/// Options every subcommand that touches the store shares; each falls back to its environment variable.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "sqlite:<path> or postgres://user:password@host:port/db (env CORA_DATABASE_URL; default sqlite:cora.sqlite3)")
    var databaseURL: String?

    @Option(name: .long, help: "trace|debug|info|notice|warning|error|critical (env CORA_LOG_LEVEL; default info)")
    var logLevel: String?

    func apply(to configuration: inout ServiceConfiguration) throws {
        if let url = databaseURL ?? ServiceConfiguration.environment("CORA_DATABASE_URL") {
            configuration.database = try DatabaseLocation(url: url)
        }
        if let level = logLevel ?? ServiceConfiguration.environment("CORA_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else { throw ConfigurationError(description: "unknown log level '\(level)'") }
            configuration.logLevel = parsed
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the REST API (migrations run at start).")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "Listen address (env CORA_HOST; default 127.0.0.1)")
    var host: String?

    @Option(name: .long, help: "Listen port (env CORA_PORT; default 8080)")
    var port: Int?

    @Option(name: .long, help: "JSON grants file (env CORA_POLICY_FILE); without one every principal may do everything")
    var policyFile: String?

    @Option(name: .long, help: "Seconds idempotency keys are kept (env CORA_IDEMPOTENCY_TTL; default 86400)")
    var idempotencyTTL: Int64?

    var storesInPostgreSQL: Bool {
        var configuration = ServiceConfiguration()
        guard (try? store.apply(to: &configuration)) != nil, case .postgres = configuration.database else { return false }
        return true
    }

    func run() async throws {
        var configuration = ServiceConfiguration()
        try store.apply(to: &configuration)
        configuration.host = host ?? ServiceConfiguration.environment("CORA_HOST") ?? configuration.host
        if let port = port ?? ServiceConfiguration.environment("CORA_PORT").flatMap(Int.init) { configuration.port = port }
        configuration.policyFile = policyFile ?? ServiceConfiguration.environment("CORA_POLICY_FILE")
        if let ttl = idempotencyTTL ?? ServiceConfiguration.environment("CORA_IDEMPOTENCY_TTL").flatMap(Int64.init) {
            guard ttl >= 86_400 else { throw ConfigurationError(description: "CORA_IDEMPOTENCY_TTL must be at least 86400 seconds (24 hours)") }
            configuration.idempotencyTTLSeconds = ttl
        }
        let logger = bootstrapLogging(configuration.logLevel)
        let running = try await buildApplication(configuration, logger: logger)
        do {
            try await running.application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            try? await running.store.close()
            throw error
        }
        try await running.store.close()
        logger.info("stopped")
    }
}

struct Mcp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speak MCP over stdin/stdout for a desktop agent client, as one principal.")

    @OptionGroup var store: StoreOptions

    @Option(name: .long, help: "The principal (UUID) every tool call acts as")
    var principal: String

    @Option(name: .long, help: "JSON grants file (env CORA_POLICY_FILE)")
    var policyFile: String?

    func validate() throws {
        guard UUID(strict: principal) != nil else { throw ValidationError("--principal must be a UUID") }
    }

    func run() async throws {
        var configuration = ServiceConfiguration()
        try store.apply(to: &configuration)
        configuration.policyFile = policyFile ?? ServiceConfiguration.environment("CORA_POLICY_FILE")
        // stdout carries the protocol; logs go to stderr only.
        let logger = bootstrapLogging(configuration.logLevel)
        guard let principalID = UUID(strict: principal) else { throw ValidationError("--principal must be a UUID") }
        let policy = try configuration.loadPolicy(logger: logger)
        let opened = try await openStore(configuration, logger: logger)
        let handlers = SliceHandlers(ServiceDependencies(store: opened, policy: policy))
        let server = await CoraMCPServer.make(handlers: handlers) {
            CallContext(principal: PrincipalID(principalID), correlationID: UUID())
        }
        try await server.start(transport: StdioTransport(logger: logger))
        await server.waitUntilCompleted()
        try await opened.close()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations and exit.")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        var configuration = ServiceConfiguration()
        try store.apply(to: &configuration)
        let logger = bootstrapLogging(configuration.logLevel)
        let opened = try await openStore(configuration, logger: logger)
        try await opened.close()
        logger.info("migrations applied")
    }
}

struct Projections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Maintain read-side projections.", subcommands: [Rebuild.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild proj_data_dataset_summary from the events and report what differed.")

        @OptionGroup var store: StoreOptions

        @Option(name: .long, help: "Datasets per batch")
        var batchSize = 1000

        func run() async throws {
            var configuration = ServiceConfiguration()
            try store.apply(to: &configuration)
            let logger = bootstrapLogging(configuration.logLevel)
            let opened = try await openStore(configuration, logger: logger)
            let started = ContinuousClock.now
            let lastLine = Mutex(ContinuousClock.now)
            let report = try await RebuildDatasetSummary(store: opened, batchSize: max(1, batchSize)).run { progress in
                // A progress line at most every two seconds, so short runs stay quiet.
                let due = lastLine.withLock { last in
                    guard ContinuousClock.now - last > .seconds(2) else { return false }
                    last = ContinuousClock.now
                    return true
                }
                if due { printLine("… checked \(progress.datasetsChecked) datasets, \(progress.rowsRewritten) rows rewritten so far") }
            }
            try await opened.close()
            printLine("checked \(report.datasetsChecked) datasets in \(ContinuousClock.now - started): \(report.rowsRewritten) rows rewritten, "
                + "\(report.orphanRowsDeleted) orphan rows deleted; \(report.rowsChanged == 0 ? "nothing differed" : "\(report.rowsChanged) rows changed")")
        }
    }
}

/// Progress output, written at once: `print` is block-buffered when stdout is a file or a pipe, which
/// would hold progress lines back until the command ends.
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func bootstrapLogging(_ level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "cora")
}
