import CoraData
import CoraHTTP
import CoraKernel
import CoraStorePostgres
import CoraStoreSQLite
import Hummingbird
import Logging

/// The one composition root: store from configuration, policy, handlers, router, server.
func buildApplication(_ configuration: ServiceConfiguration, logger: Logger) async throws -> (application: some ApplicationProtocol, store: any CoraStore) {
    let policy = try configuration.loadPolicy(logger: logger)
    let store = try await openStore(configuration, logger: logger)
    let metrics = ServiceMetrics()
    let dependencies = ServiceDependencies(store: store, policy: policy, onAppended: metrics.recordAppended)
    let router = CoraRouter.build(services: Services(dependencies, metrics: metrics), logger: logger)
    let application = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "cora"),
        logger: logger)
    return (application, store)
}

func openStore(_ configuration: ServiceConfiguration, logger: Logger) async throws -> any CoraStore {
    switch configuration.database {
    case .sqlite(let path):
        logger.info("opening SQLite store", metadata: ["path": "\(path)"])
        return try await SQLiteStore.open(path: path, idempotencyRetentionSeconds: configuration.idempotencyTTLSeconds, logger: logger)
    case .postgres(let url):
        logger.info("connecting to PostgreSQL")
        return try await PostgresStore.open(url: url, idempotencyRetentionSeconds: configuration.idempotencyTTLSeconds, logger: logger)
    }
}
