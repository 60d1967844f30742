import Foundation

/// The two stores under test and how to reach each one's benchmark database.
enum StoreKind: String, CaseIterable, Sendable {
    case sqlite, postgres

    var directory: URL { Paths.data.appendingPathComponent(rawValue) }

    /// The service's database (1M datasets once `cora-bench load` has run).
    var databaseURL: String {
        switch self {
        case .sqlite: "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path
        case .postgres: BenchCluster.url(database: "cora")
        }
    }
}

/// One PostgreSQL cluster for every benchmark run, under Benchmarks/.data/postgres/cluster, configured by
/// pgbench/postgresql.conf. It is left running between commands; `cora-bench stop` stops it.
enum BenchCluster {
    static let port = 55433
    static let bin = "/usr/lib/postgresql/15/bin"
    static var directory: String { StoreKind.postgres.directory.appendingPathComponent("cluster").path }
    static var asRoot: Bool { geteuid() == 0 }

    static func url(database: String) -> String { "postgres://postgres@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// initdb/pg_ctl refuse to run as root; as root the cluster belongs to the postgres user.
    @discardableResult
    static func tool(_ name: String, _ arguments: [String]) throws -> String {
        let path = bin + "/" + name
        return asRoot ? try Spawn.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments) : try Spawn.run(path, arguments)
    }

    /// Creates the cluster on first use and starts it when it is not running.
    static func ensureRunning() throws {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: directory + "/PG_VERSION") {
            try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if asRoot { try Spawn.run("/bin/chown", ["-R", "postgres", directory]) }
            try tool("initdb", ["-D", directory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
            let settings = try String(contentsOf: Paths.pgbenchScripts.appendingPathComponent("postgresql.conf"), encoding: .utf8)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/postgresql.conf"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(("\n" + settings).utf8))
            try handle.close()
        }
        if (try? tool("pg_ctl", ["-D", directory, "status"])) == nil {
            try tool("pg_ctl", ["-D", directory, "-l", directory + "/server.log", "-w", "-t", "120", "start"])
        }
        for database in ["cora", "cora_limits"] where try psql("postgres", "SELECT 1 FROM pg_database WHERE datname = '\(database)'").isEmpty {
            try psql("postgres", "CREATE DATABASE \(database)")
        }
        try psql("cora", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        try psql("cora_limits", "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    }

    static func stop() throws {
        guard FileManager.default.fileExists(atPath: directory + "/PG_VERSION") else { return }
        _ = try? tool("pg_ctl", ["-D", directory, "-m", "fast", "-w", "stop"])
    }

    /// Runs SQL with psql and returns its unaligned, tuples-only output.
    @discardableResult
    static func psql(_ database: String, _ sql: String) throws -> String {
        try Spawn.run(bin + "/psql", [url(database: database), "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", "-c", sql])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func psqlFile(_ database: String, _ path: String, variables: [String: String] = [:]) throws {
        try Spawn.run(bin + "/psql", [url(database: database), "-v", "ON_ERROR_STOP=1", "-q", "-f", path] + variables.flatMap { ["-v", "\($0.key)=\($0.value)"] })
    }
}

/// SQL against the service database of either store, for fixtures (ids to promote, ids to get).
enum FixtureQueries {
    static func lines(_ store: StoreKind, _ sql: String) throws -> [String] {
        let output: String
        switch store {
        case .sqlite: output = try Spawn.run("sqlite3", [store.directory.appendingPathComponent("cora.sqlite3").path, sql])
        case .postgres: output = try BenchCluster.psql("cora", sql)
        }
        return output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}
