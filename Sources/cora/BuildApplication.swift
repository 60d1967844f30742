import CoraData
import CoraHTTP
import CoraIdentity
import CoraPages
import CoraKernel
import CoraStorePostgres
import CoraStoreSQLite
import CoraWire
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The store a configuration names, not yet serving: PostgreSQL's pool must run as a service beside
/// whatever uses it.
enum ConfiguredStore {
    case sqlite(SQLiteStore)
    /// The primary, and its hot standbys with what is known of them when reads go there.
    case postgres(PostgresStore, replicas: [PostgresStore] = [], routing: ReadReplicas? = nil)

    var store: any CoraStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store, _, let routing): routing.map(ReplicatedStore.init) ?? store
        }
    }

    /// The pools, and the watch over the replicas, that must run while the store is used.
    var services: [any Service] {
        switch self {
        case .sqlite: []
        case .postgres(let primary, let replicas, let routing): [primary] + replicas + (routing.map { [ReplicaWatch(replicas: $0)] } ?? [])
        }
    }

    /// `keepsPoolOpen` for a server: its PostgreSQL pools open every connection at start and keep them.
    static func make(_ configuration: Configuration, keepsPoolOpen: Bool = false, logger: Logger) async throws -> ConfiguredStore {
        switch configuration.database {
        case .sqlite(let path):
            logger.info("opening SQLite store", metadata: ["path": "\(path)"])
            return .sqlite(try await SQLiteStore.open(path: path, idempotencyRetentionSeconds: configuration.idempotencyTTLSeconds, logger: logger))
        case .postgres(let url):
            logger.info("connecting to PostgreSQL")
            let primary = try PostgresStore(url: url, idempotencyRetentionSeconds: configuration.idempotencyTTLSeconds, keepsPoolOpen: keepsPoolOpen, logger: logger)
            guard !configuration.readReplicaURLs.isEmpty else { return .postgres(primary) }
            // A replica that does not answer within a second is not waited on: its read goes elsewhere.
            let replicas = try configuration.readReplicaURLs.map {
                try PostgresStore(url: $0, idempotencyRetentionSeconds: configuration.idempotencyTTLSeconds, operationTimeout: .seconds(1), role: .replica, keepsPoolOpen: keepsPoolOpen, logger: logger)
            }
            let names = configuration.readReplicaURLs.map(Self.nameWithoutCredentials)
            logger.info("reads on hot standbys", metadata: ["replicas": "\(names.joined(separator: ", "))"])
            let routing = ReadReplicas(primary: primary, replicas: zip(names, replicas).map { ReadReplicas.Replica(name: $0, store: $1) }, logger: logger)
            return .postgres(primary, replicas: replicas, routing: routing)
        }
    }

    /// host:port/database of a PostgreSQL URL, for logs.
    static func nameWithoutCredentials(_ url: String) -> String {
        guard let components = URLComponents(string: url) else { return "replica" }
        return "\(components.host ?? "?"):\(components.port ?? 5432)\(components.path)"
    }
}

/// Everything a surface runs on, built once from the configuration.
struct Runtime {
    let configuration: Configuration
    let logger: Logger
    let policy: AccessPolicy
    let metrics = ServiceMetrics()

    init(_ configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.policy = try configuration.loadPolicy(logger: logger)
    }

    /// How `serve` identifies callers; in bearer mode the provider's key set is read first, and a server
    /// that cannot read it does not start.
    func authentication() async throws -> Authentication {
        guard let bearer = configuration.bearer else { return .header }
        let verifier = BearerVerifier(settings: bearer, logger: logger)
        do {
            try await verifier.loadKeys()
        } catch {
            throw ConfigurationError(description: "CORA_OIDC_JWKS: \(error)")
        }
        logger.info("bearer mode", metadata: ["issuer": "\(bearer.issuer)", "audience": "\(bearer.audience)"])
        return .bearer(verifier, bearer)
    }

    func runner(_ store: any CoraStore) -> SliceRunner {
        SliceRunner(dependencies: ServiceDependencies(store: store, onAppended: metrics.recordAppended), policy: policy)
    }

    /// Runs `body` with a migrated store, its PostgreSQL pool running beside it in the same task group
    /// (structured: the pool stops when the body ends or throws).
    func withStore<T: Sendable>(_ body: @escaping @Sendable (any CoraStore) async throws -> T) async throws -> T {
        let configured = try await ConfiguredStore.make(configuration, logger: logger)
        switch configured {
        case .sqlite(let store):
            do {
                let result = try await body(store)
                try await store.close()
                return result
            } catch {
                try? await store.close()
                throw error
            }
        case .postgres(let primary, _, _):
            return try await withThrowingTaskGroup(of: T?.self) { group in
                for service in configured.services { group.addTask { try await service.run(); return nil } }
                group.addTask {
                    try await primary.migrate()
                    return try await body(configured.store)
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let result = next { return result }
                }
                throw ConfigurationError(description: "the PostgreSQL client stopped")
            }
        }
    }

    /// The HTTP server on this store; on PostgreSQL its pool is a service of the application, which shuts
    /// down after the server has drained, and migrations run before the server listens.
    func application(_ configured: ConfiguredStore, authentication: Authentication, pages: CatalogPages) -> some ApplicationProtocol {
        let limits = MCPSessionLimits(idleTimeout: .seconds(configuration.mcpSessionIdleSeconds), maximum: configuration.mcpMaxSessions)
        let catalog = CatalogAccess(pages: pages, trustsProxyHeader: configuration.uiTrustsProxyHeader)
        let feed = EventFeedFollowers(store: configured.store, limit: configuration.feedMaxStreams)
        let services = Services(runner: runner(configured.store), metrics: metrics, logger: logger, mcpSessionLimits: limits,
                                exports: configuration.exports, authentication: authentication, catalog: catalog, feed: feed)
        var application = Application(
            router: CoraRouter.build(services: services, logger: logger),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "cora"),
            logger: logger)
        if case .postgres(let primary, _, _) = configured {
            application.addServices(configured.services)
            application.beforeServerStarts { try await primary.migrate() }
        }
        application.beforeServerStarts { [configuration, logger] in
            let secrets = try await catalog.load(from: configured.store)
            let principal = configuration.uiPrincipal.map(PrincipalID.init) ?? secrets.operatorPrincipal
            let token = try await CatalogAccess.newLoginLink(for: principal, store: configured.store)
            logger.info("catalog pages at \(configuration.baseURL)/ui/", metadata: ["operator_principal": "\(secrets.operatorPrincipal)"])
            // On the terminal, not in the log: the link is a credential, good once for ten minutes.
            // Written at once (print() would sit in stdout's buffer when it is a file or a pipe).
            let line = "Catalog login link for \(principal) (one use, 10 minutes): \(CatalogAccess.loginURL(base: configuration.baseURL, token: token))\n"
            FileHandle.standardOutput.write(Data(line.utf8))
        }
        return application
    }
}

/// Keeps looking at the read replicas' heads while the server runs.
struct ReplicaWatch: Service {
    let replicas: ReadReplicas
    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await replicas.watch() }
    }
}
