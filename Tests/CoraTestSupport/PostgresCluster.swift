import CoraStorePostgres
import Foundation

/// A throwaway PostgreSQL cluster for the test process: initdb into a temporary directory, started on
/// a free loopback port, stopped when the process exits. `CORA_TEST_POSTGRES_URL` replaces it with an
/// existing server. Each test gets its own database.
public actor PostgresCluster {
    public static let shared = PostgresCluster()

    public enum Availability: Sendable {
        case available
        /// Why not; under `CI=true` tests fail with this instead of skipping.
        case unavailable(String)
    }

    private var baseURL: String?
    private var startError: String?

    /// Whether PostgreSQL tests can run here, decided without starting anything.
    public static var availability: Availability {
        if ProcessInfo.processInfo.environment["CORA_TEST_POSTGRES_URL"] != nil { return .available }
        return binDirectory() != nil ? .available : .unavailable("no initdb/pg_ctl in /usr/lib/postgresql/*/bin or PATH")
    }

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    static func binDirectory() -> URL? {
        let fileManager = FileManager.default
        let versions = ((try? fileManager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted { (Int($0) ?? 0) > (Int($1) ?? 0) }
        var candidates = versions.map { URL(fileURLWithPath: "/usr/lib/postgresql/\($0)/bin") }
        candidates += (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { URL(fileURLWithPath: String($0)) }
        return candidates.first { fileManager.isExecutableFile(atPath: $0.appendingPathComponent("initdb").path)
            && fileManager.isExecutableFile(atPath: $0.appendingPathComponent("pg_ctl").path) }
    }

    /// A URL to a fresh, empty database.
    public func freshDatabaseURL() async throws -> String {
        let base = try await start()
        let name = "cora_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try Self.runPsql(base, "CREATE DATABASE \(name)")
        return base + name
    }

    /// `postgres://…/` without a database name.
    private func start() async throws -> String {
        if let baseURL { return baseURL }
        if let startError { throw ClusterError(message: startError) }
        do {
            let url = try Self.launch()
            baseURL = url
            return url
        } catch {
            startError = "\(error)"
            throw error
        }
    }

    public struct ClusterError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// What the exit handler runs; written once, before the handler is installed.
    nonisolated(unsafe) private static var stopCommand: (executable: String, arguments: [String], directory: String)?

    private static func launch() throws -> String {
        if let given = ProcessInfo.processInfo.environment["CORA_TEST_POSTGRES_URL"] {
            let trimmed = given.hasSuffix("/") ? given : String(given[..<(given.lastIndex(of: "/") ?? given.endIndex)]) + "/"
            return trimmed
        }
        guard let bin = binDirectory() else { throw ClusterError(message: "PostgreSQL binaries not found") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cora-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let data = directory.appendingPathComponent("data").path
        // initdb refuses to run as root; CI runs as root, so the cluster belongs to the postgres user there.
        let asRoot = geteuid() == 0
        if asRoot { try run("/bin/chown", ["-R", "postgres", directory.path]) }
        func command(_ tool: String, _ arguments: [String]) -> (String, [String]) {
            let path = bin.appendingPathComponent(tool).path
            return asRoot ? ("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments) : (path, arguments)
        }
        let initdb = command("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        try run(initdb.0, initdb.1)
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = Int.random(in: 30_000...60_000)
            let options = "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
            let start = command("pg_ctl", ["-D", data, "-o", options, "-l", directory.appendingPathComponent("log").path, "-w", "-t", "60", "start"])
            do {
                try run(start.0, start.1)
                let stop = command("pg_ctl", ["-D", data, "-m", "immediate", "stop"])
                stopCommand = (stop.0, stop.1, directory.path)
                atexit {
                    guard let stop = PostgresCluster.stopCommand else { return }
                    _ = try? PostgresCluster.run(stop.executable, stop.arguments)
                    try? FileManager.default.removeItem(atPath: stop.directory)
                }
                return "postgres://postgres@127.0.0.1:\(port)/"
            } catch {
                lastError = error
            }
        }
        throw lastError ?? ClusterError(message: "pg_ctl start failed")
    }

    /// Runs one statement as the cluster's superuser on its `postgres` database.
    static func runPsql(_ base: String, _ sql: String) throws {
        _ = try query(base + "postgres", sql)
    }

    /// Runs one statement on the database at `url` and returns its unaligned output.
    public static func query(_ url: String, _ sql: String) throws -> String {
        let bundled = binDirectory()?.appendingPathComponent("psql").path
        let psql = bundled.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil } ?? "/usr/bin/psql"
        return try run(psql, [url, "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", "-c", sql]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a tool to completion with `posix_spawn` and `waitpid`. Foundation's `Process` never reaped
    /// `runuser` children here (they stayed zombies and `waitUntilExit` hung), and output goes to a file
    /// rather than a pipe because `pg_ctl start` leaves the server holding the descriptors it inherited.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("cora-tool-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw ClusterError(message: "cannot start \(executable): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        guard exitCode == 0 else {
            throw ClusterError(message: "\(executable) \(arguments.joined(separator: " ")) failed (\(exitCode)): \(text)")
        }
        return text
    }
}
