import CoraStorePostgres
import Foundation
import Synchronization

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
        let base = try start().baseURL
        let name = "cora_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        try Self.runPsql(base, "CREATE DATABASE \(name)")
        return base + name
    }

    public init() {}

    private var server: Server?
    private var startError: String?

    private func start() throws -> Server {
        if let server { return server }
        if let startError { throw ClusterError(message: startError) }
        do {
            let launched = try Server.launch()
            server = launched
            return launched
        } catch {
            startError = "\(error)"
            throw error
        }
    }

    /// A fresh primary with a hot standby streaming from it, for a test of read replicas (not the shared
    /// cluster: a base backup copies every database in it).
    public static func streamingPair() throws -> StreamingPair {
        let primary = try Server.launch()
        return StreamingPair(primary: primary, standby: try Server.launchStandby(of: primary))
    }

    /// Stops the server (fast shutdown) as an outage would; `restartServer` brings it back on the same port.
    public func stopServer() throws {
        try start().pgctl(["-m", "fast", "stop"])
    }

    public func restartServer() throws {
        let server = try start()
        try server.pgctl(["-o", server.options, "-l", server.directory + "/log", "-w", "-t", "60", "start"])
    }

    public struct ClusterError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// One initdb'd cluster and how to drive its pg_ctl.
    struct Server: Sendable {
        let baseURL: String
        let bin: URL
        let directory: String
        let options: String
        let asRoot: Bool
        /// An external server named by CORA_TEST_POSTGRES_URL: never started or stopped here.
        let external: Bool

        var data: String { directory + "/data" }

        func command(_ tool: String, _ arguments: [String]) -> (String, [String]) {
            let path = bin.appendingPathComponent(tool).path
            // initdb and pg_ctl refuse to run as root; CI runs as root, so the cluster belongs to postgres there.
            return asRoot ? ("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments) : (path, arguments)
        }

        func pgctl(_ arguments: [String]) throws {
            guard !external else { throw ClusterError(message: "cannot stop or start an external server") }
            let (executable, fullArguments) = command("pg_ctl", ["-D", data] + arguments)
            try runTool(executable, fullArguments)
        }

        static func launch() throws -> Server {
            if let given = ProcessInfo.processInfo.environment["CORA_TEST_POSTGRES_URL"] {
                let base = given.hasSuffix("/") ? given : String(given[...(given.lastIndex(of: "/") ?? given.startIndex)])
                return Server(baseURL: base, bin: URL(fileURLWithPath: "/usr/bin"), directory: "", options: "", asRoot: false, external: true)
            }
            guard let bin = binDirectory() else { throw ClusterError(message: "PostgreSQL binaries not found") }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cora-pg-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let asRoot = geteuid() == 0
            if asRoot { try runTool("/bin/chown", ["-R", "postgres", directory]) }
            let skeleton = Server(baseURL: "", bin: bin, directory: directory, options: "", asRoot: asRoot, external: false)
            let initdb = skeleton.command("initdb", ["-D", skeleton.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
            try runTool(initdb.0, initdb.1)
            return try start(bin: bin, directory: directory, asRoot: asRoot)
        }

        /// A hot standby of `primary` (`pg_basebackup -R`: it streams from the primary and answers reads).
        static func launchStandby(of primary: Server) throws -> Server {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cora-pg-standby-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            if primary.asRoot { try runTool("/bin/chown", ["-R", "postgres", directory]) }
            let skeleton = Server(baseURL: "", bin: primary.bin, directory: directory, options: "", asRoot: primary.asRoot, external: false)
            let backup = skeleton.command("pg_basebackup", ["-D", skeleton.data, "-d", primary.baseURL + "postgres", "-R", "-X", "stream", "-c", "fast"])
            try runTool(backup.0, backup.1)
            return try start(bin: primary.bin, directory: directory, asRoot: primary.asRoot)
        }

        /// Starts the cluster in `directory` on a free loopback port (a few tries: a port may be taken meanwhile).
        private static func start(bin: URL, directory: String, asRoot: Bool) throws -> Server {
            var lastError: (any Error)?
            for _ in 0..<5 {
                let port = freeLoopbackPort()
                let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_preload_libraries=pg_stat_statements"
                let server = Server(baseURL: "postgres://postgres@127.0.0.1:\(port)/", bin: bin, directory: directory, options: options, asRoot: asRoot, external: false)
                do {
                    try server.pgctl(["-o", options, "-l", directory + "/log", "-w", "-t", "60", "start"])
                    PostgresCluster.started.withLock { $0.append(server) }
                    installExitHandler()
                    return server
                } catch {
                    lastError = error
                }
            }
            throw lastError ?? ClusterError(message: "pg_ctl start failed")
        }
    }

    /// Every cluster this process started; stopped and removed when the process exits.
    static let started = Mutex<[Server]>([])
    static let exitHandlerInstalled = Mutex(false)

    static func installExitHandler() {
        let first = exitHandlerInstalled.withLock { installed in
            defer { installed = true }
            return !installed
        }
        guard first else { return }
        atexit {
            for server in PostgresCluster.started.withLock({ $0 }) {
                try? server.pgctl(["-m", "immediate", "stop"])
                try? FileManager.default.removeItem(atPath: server.directory)
            }
        }
    }

    /// Runs one statement as the cluster's superuser on its `postgres` database.
    static func runPsql(_ base: String, _ sql: String) throws {
        _ = try query(base + "postgres", sql)
    }

    /// Runs one statement on the database at `url` and returns its unaligned output.
    public static func query(_ url: String, _ sql: String) throws -> String {
        let bundled = binDirectory()?.appendingPathComponent("psql").path
        let psql = bundled.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil } ?? "/usr/bin/psql"
        return try runTool(psql, [url, "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", "-c", sql]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

}

/// Runs a tool to completion. Output goes to a file rather than a pipe because `pg_ctl start` leaves the
/// server holding the descriptors it inherited.
@discardableResult
public func runTool(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> String {
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("cora-tool-\(UUID().uuidString).log").path
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let exitCode: Int32
    do {
        exitCode = try SpawnedProcess(executable, arguments, environment: extra, outputPath: outputPath).waitUntilExit()
    } catch {
        throw PostgresCluster.ClusterError(message: "\(error)")
    }
    let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    guard exitCode == 0 else {
        throw PostgresCluster.ClusterError(message: "\(executable) \(arguments.joined(separator: " ")) failed (\(exitCode)): \(text)")
    }
    return text
}

/// A primary and a hot standby of it, started by the tests.
public struct StreamingPair: Sendable {
    let primary: PostgresCluster.Server
    let standby: PostgresCluster.Server

    /// A database created on the primary and, once replayed, readable on the standby.
    public func createDatabase(_ name: String) throws -> (primary: String, standby: String) {
        try PostgresCluster.runPsql(primary.baseURL, "CREATE DATABASE \(name)")
        return (primary.baseURL + name, standby.baseURL + name)
    }

    /// Stops the standby at once, as a crash or a pulled cable would.
    public func stopStandby() throws { try standby.pgctl(["-m", "immediate", "stop"]) }
    public func stopPrimary() throws { try primary.pgctl(["-m", "fast", "stop"]) }
    public func startPrimary() throws {
        try primary.pgctl(["-o", primary.options, "-l", primary.directory + "/log", "-w", "-t", "60", "start"])
    }

    /// Holds the standby's replay (it keeps receiving WAL and answering reads, and falls behind).
    public func pauseReplay() throws { _ = try PostgresCluster.query(standby.baseURL + "postgres", "SELECT pg_wal_replay_pause()") }
    public func resumeReplay() throws { _ = try PostgresCluster.query(standby.baseURL + "postgres", "SELECT pg_wal_replay_resume()") }
}
