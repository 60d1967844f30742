import ArgumentParser
import CoraData
import CoraHTTP
import CoraKernel
import CoraMCP
import CoraPages
import MCP
import CoraStoreSQLite
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Synchronization

@main
struct Cora: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cora",
        abstract: "CORA Data service: the system of record for a facility's data products.",
        subcommands: [Serve.self, Mcp.self, Migrate.self, Import.self, Copy.self, Projections.self, UILink.self]
    )

    /// Tasks run on the same NIO event-loop threads as the HTTP server and the database connections, so a
    /// request no longer hops between Swift's cooperative pool and an event loop at every await on I/O; that
    /// hop (a thread wake-up each way) was the largest single cost of a command in the profiles. Installed
    /// before the first task is created, from the main thread, as NIO requires.
    static func main() async {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        await main(nil)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the REST API, MCP over HTTP (migrations run at start).")

    @OptionGroup var store: StoreSettings
    @OptionGroup var server: ServerSettings

    func run() async throws {
        let configuration = try Configuration.resolve(store, server: server)
        let logger = bootstrapLogging(configuration.logLevel)
        let runtime = try Runtime(configuration, logger: logger)
        let authentication = try await runtime.authentication()
        let pages = try await CatalogPages.load()
        let configured = try await ConfiguredStore.make(configuration, keepsPoolOpen: true, logger: logger)
        do {
            try await runtime.application(configured, authentication: authentication, pages: pages).runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            try? await configured.store.close()
            throw error
        }
        try await configured.store.close()
        logger.info("stopped")
    }
}

struct Mcp: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Speak MCP over stdin/stdout for a desktop agent client, as one principal.")

    @OptionGroup var store: StoreSettings

    @Option(name: .long, help: "The principal (UUID) every tool call acts as")
    var principal: String

    func validate() throws {
        guard UUID(strict: principal) != nil else { throw ValidationError("--principal must be a UUID") }
    }

    func run() async throws {
        let configuration = try Configuration.resolve(store)
        // stdout carries the protocol; logs go to stderr only.
        let logger = bootstrapLogging(configuration.logLevel)
        guard let principalID = UUID(strict: principal) else { throw ValidationError("--principal must be a UUID") }
        let runtime = try Runtime(configuration, logger: logger)
        try await runtime.withStore { store in
            let server = await CoraMCPServer.make(runner: runtime.runner(store), logger: logger, exports: configuration.exports) {
                CallContext(principal: PrincipalID(principalID), correlationID: UUID())
            }
            try await server.start(transport: StdioTransport(logger: logger))
            await server.waitUntilCompleted()
        }
    }
}

struct UILink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui-link", abstract: "Print a one-time login link to the catalog pages of the server on this database.")

    @OptionGroup var store: StoreSettings
    @OptionGroup var server: ServerSettings

    @Option(name: .long, help: "The principal (UUID) the link signs in as (default: --ui-principal, else the database's operator principal)")
    var principal: String?

    func validate() throws {
        if let principal, UUID(strict: principal) == nil { throw ValidationError("--principal must be a UUID") }
    }

    func run() async throws {
        let configuration = try Configuration.resolve(store, server: server)
        let logger = bootstrapLogging(configuration.logLevel)
        let link = try await Runtime(configuration, logger: logger).withStore { store in
            let secrets = try await store.catalogSecrets()
            let named = principal.flatMap(UUID.init(strict:)) ?? configuration.uiPrincipal
            let token = try await CatalogAccess.newLoginLink(for: named.map(PrincipalID.init) ?? secrets.operatorPrincipal, store: store)
            return CatalogAccess.loginURL(base: configuration.baseURL, token: token)
        }
        print(link)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending schema migrations and exit.")

    @OptionGroup var store: StoreSettings

    func run() async throws {
        let configuration = try Configuration.resolve(store)
        let logger = bootstrapLogging(configuration.logLevel)
        try await Runtime(configuration, logger: logger).withStore { _ in }
        logger.info("migrations applied")
    }
}

struct Projections: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Maintain the read models.", subcommands: [Rebuild.self])

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild every read model from the events and report what differed.")

        @OptionGroup var store: StoreSettings

        @Option(name: .long, help: "Datasets per batch")
        var batchSize = 1000

        func run() async throws {
            let configuration = try Configuration.resolve(store)
            let logger = bootstrapLogging(configuration.logLevel)
            let batchSize = max(1, self.batchSize)
            let started = ContinuousClock.now
            let report = try await Runtime(configuration, logger: logger).withStore { store in
                let pacing = ProgressPacing()
                return try await RebuildReadModels(store: store, batchSize: batchSize).run { progress in
                    if pacing.due() { printLine("… checked \(progress.datasetsChecked) datasets, \(progress.rewritten.values.reduce(0, +)) rewritten so far") }
                }
            }
            printLine("checked \(report.datasetsChecked) datasets in \(ContinuousClock.now - started)")
            for name in ReadModels.names {
                printLine("  \(name): \(report.rewritten[name] ?? 0) Datasets' rows rewritten")
            }
            printLine("  \(report.orphansDeleted) Datasets without events had rows, deleted")
            printLine(report.changed == 0 ? "nothing differed" : "\(report.changed) differences repaired")
        }
    }
}

/// Progress output, written at once: `print` is block-buffered when stdout is a file or a pipe, which
/// would hold progress lines back until the command ends.
func printLine(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The pace of a long command's progress lines: at most one every two seconds, so short runs stay quiet,
/// unless one is asked for (a phase has ended); and the rate since the command began.
final class ProgressPacing: Sendable {
    let started = ContinuousClock.now
    private let lastLine = Mutex(ContinuousClock.now)

    func due(force: Bool = false) -> Bool {
        lastLine.withLock { last in
            guard force || ContinuousClock.now - last > .seconds(2) else { return false }
            last = ContinuousClock.now
            return true
        }
    }

    var elapsed: Duration { ContinuousClock.now - started }

    /// Items per second since the start.
    func rate(_ count: Int) -> Int {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Int(Double(count) / seconds) : 0
    }
}

func bootstrapLogging(_ level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "cora")
}
