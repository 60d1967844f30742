import Foundation

/// The machine's own ceilings each scenario is compared with, measured in the same run.
enum Limits {
    static let healthz = "healthz"
    static let rawSQLiteRegister = "raw sqlite register"

    static func of(_ scenario: String, store: StoreKind) -> [String] {
        switch (scenario, store) {
        case ("register", .postgres): ["reference register", "pgbench register"]
        case ("register", .sqlite): [rawSQLiteRegister]
        case ("promote", .postgres): ["reference promote", "pgbench promote"]
        case ("get", .postgres): [healthz, "pgbench get"]
        case ("lineage", .postgres): [healthz, "pgbench lineage"]
        case ("impact", .postgres): [healthz, "pgbench impact"]
        case (let name, .postgres) where name.hasPrefix("list-derived"): [healthz, "pgbench list-derived"]
        case (let name, .postgres) where name.hasPrefix("list"): [healthz, "pgbench list"]
        case ("healthz", _), ("promote", .sqlite): []
        default: [healthz]
        }
    }

    /// The limit a scenario's ratio is taken against.
    static func primary(_ scenario: String, store: StoreKind) -> String? {
        switch scenario {
        case "register", "promote": of(scenario, store: store).first
        case "healthz": nil
        default: healthz
        }
    }

    /// The single-writer embedded ceiling does not depend on the client count; it is measured once.
    static func clients(for limit: String, _ clients: Int) -> Int { limit == rawSQLiteRegister ? 1 : clients }

    static func measure(_ limit: String, store: StoreKind, clients: Int, seconds: Int, service: ServiceUnderTest, fixtures: Fixtures) async throws -> Measurement {
        if limit == healthz {
            var measurement = try Wrk.run(try fixtures.scenario(healthz), store: store, clients: clients, seconds: seconds, service: service)
            measurement.scenario = healthz
            return measurement
        }
        if limit == rawSQLiteRegister {
            let result = try RawSQLiteRegister(path: limitDatabase(store)).run(seconds: Double(seconds))
            let sorted = result.latencies.sorted()
            return Measurement(store: store.rawValue, scenario: limit, clients: 1, requests: result.transactions, seconds: result.seconds,
                               p50Milliseconds: Percentile.of(sorted, 0.5) * 1000, p99Milliseconds: Percentile.of(sorted, 0.99) * 1000,
                               p999Milliseconds: Percentile.of(sorted, 0.999) * 1000)
        }
        if limit.hasPrefix("reference ") {
            let script = String(limit.dropFirst("reference ".count))
            return try Pgbench.run(name: script, files: [Paths.referenceScripts.appendingPathComponent(script + ".sql").path], database: "cora_reference",
                                   mode: "prepared", clients: clients, seconds: seconds, reportedAs: limit)
        }
        let script = String(limit.dropFirst("pgbench ".count))
        switch script {
        // The graph's reads run on the loaded catalogue itself (they write nothing), replaying real walks.
        case "lineage", "impact":
            return try Pgbench.run(name: script, files: try fixtures.pgbenchScripts(script), database: "cora", mode: "prepared", clients: clients, seconds: seconds)
        case "list-derived":
            return try Pgbench.run(name: script, files: [Paths.pgbenchScripts.appendingPathComponent("list-derived.sql").path], database: "cora",
                                   mode: "extended", variables: ["hub": fixtures.hub], clients: clients, seconds: seconds)
        default:
            return try Pgbench.run(script: script, clients: clients, seconds: seconds)
        }
    }

    static func limitDatabase(_ store: StoreKind) -> String { store.directory.appendingPathComponent("limit.sqlite3").path }

    /// Builds the database the limits run against: a copy of the loaded SQLite file, or cora_limits on
    /// PostgreSQL (the service's migrations, then pgbench/fill.sql).
    static func prepare(_ store: StoreKind) throws {
        let fileManager = FileManager.default
        switch store {
        case .sqlite:
            for suffix in ["", "-wal", "-shm"] { try? fileManager.removeItem(atPath: limitDatabase(store) + suffix) }
            try fileManager.copyItem(atPath: store.directory.appendingPathComponent("cora.sqlite3").path, toPath: limitDatabase(store))
            say("copied the loaded database to \(limitDatabase(store)) for the raw SQLite ceiling")
        case .postgres:
            try BenchCluster.psql("postgres", "DROP DATABASE IF EXISTS cora_limits WITH (FORCE)")
            try BenchCluster.psql("postgres", "CREATE DATABASE cora_limits")
            try Spawn.run(Paths.cora, ["migrate", "--database-url", BenchCluster.url(database: "cora_limits")], environment: ["CORA_LOG_LEVEL": "warning"])
            try BenchCluster.psql("cora_limits", "CREATE EXTENSION pg_stat_statements")
            say("filling cora_limits for pgbench (pgbench/fill.sql)…")
            try BenchCluster.psqlFile("cora_limits", Paths.pgbenchScripts.appendingPathComponent("fill.sql").path)
            try BenchCluster.psql("postgres", "DROP DATABASE IF EXISTS cora_reference WITH (FORCE)")
            try BenchCluster.psql("postgres", "CREATE DATABASE cora_reference")
            say("loading cora_reference for the reference scripts (\(Paths.referenceScripts.path): schema.sql, load.sql, indexes.sql)…")
            for file in ["schema.sql", "load.sql", "indexes.sql"] {
                try BenchCluster.psqlFile("cora_reference", Paths.referenceScripts.appendingPathComponent(file).path)
            }
        }
    }
}

/// Every measurement of a store, kept in results/<store>.json; a run replaces what it measures again.
struct Results: Codable {
    var measurements: [Measurement] = []
    /// Limits measured by this process, so each is measured once per run and concurrency.
    private var measuredNow: Set<String> = []
    private let store: StoreKind

    private enum CodingKeys: String, CodingKey { case measurements }

    init(store: StoreKind) { self.store = store }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        measurements = try container.decode([Measurement].self, forKey: .measurements)
        store = StoreKind(rawValue: measurements.first?.store ?? "") ?? .sqlite
    }

    static func jsonPath(_ store: StoreKind) -> URL { Paths.results.appendingPathComponent(store.rawValue + ".json") }
    static func markdownPath(_ store: StoreKind) -> URL { Paths.results.appendingPathComponent(store.rawValue + ".md") }

    static func load(_ store: StoreKind) -> Results {
        guard let data = try? Data(contentsOf: jsonPath(store)), var results = try? JSONDecoder().decode(Results.self, from: data) else {
            return Results(store: store)
        }
        results.measuredNow = []
        return results
    }

    mutating func record(_ measurement: Measurement) {
        measurements.removeAll { $0.scenario == measurement.scenario && $0.clients == measurement.clients }
        measurements.append(measurement)
        measuredNow.insert("\(measurement.scenario)@\(measurement.clients)")
    }

    func measuredThisRun(_ limit: String, clients: Int) -> Bool {
        measuredNow.contains("\(limit)@\(Limits.clients(for: limit, clients))")
    }

    func find(_ scenario: String, clients: Int) -> Measurement? {
        measurements.first { $0.scenario == scenario && $0.clients == clients }
    }

    func save() throws {
        try FileManager.default.createDirectory(at: Paths.results, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: Self.jsonPath(store))
        try markdown().write(to: Self.markdownPath(store), atomically: true, encoding: .utf8)
    }

    func markdown() -> String {
        func number(_ value: Double?, _ format: String = "%.2f") -> String { value.map { String(format: format, $0) } ?? "–" }
        var lines = [
            "| scenario | clients | req/s | p50 ms | p99 ms | p99.9 ms | answers | unexpected | peak RSS MiB | limit | limit /s | ratio |",
            "|---|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|",
        ]
        let order = Scenarios.names + [Limits.rawSQLiteRegister] + ["register", "promote"].map { "reference " + $0 } + ["register", "promote", "get", "list"].map { "pgbench " + $0 }
        for measurement in measurements.sorted(by: {
            (order.firstIndex(of: $0.scenario) ?? 99, $0.clients) < (order.firstIndex(of: $1.scenario) ?? 99, $1.clients)
        }) {
            let limitName = Limits.primary(measurement.scenario, store: store)
            let limit = limitName.flatMap { find($0, clients: Limits.clients(for: $0, measurement.clients)) }
            let answers = measurement.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
            lines.append("| \(measurement.scenario) | \(measurement.clients) | \(number(measurement.perSecond, "%.0f")) | "
                + "\(number(measurement.p50Milliseconds)) | \(number(measurement.p99Milliseconds)) | \(number(measurement.p999Milliseconds)) | "
                + "\(answers.isEmpty ? "–" : answers) | \(measurement.unexpected) | \(number(measurement.serverPeakMiB, "%.1f")) | "
                + "\(limit == nil ? "–" : limitName ?? "–") | \(number(limit?.perSecond, "%.0f")) | "
                + "\(limit.map { String(format: "%.2f", measurement.perSecond / max($0.perSecond, 1)) } ?? "–") |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
