import Foundation

/// Where things live: this package's directory, the service's checkout above it, and the working data.
enum Paths {
    static let benchmarks = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let root = benchmarks.deletingLastPathComponent()
    /// Clusters, databases and fixture files; kept between runs (loading 1M datasets takes minutes).
    static let data = benchmarks.appendingPathComponent(".data")
    static let results = benchmarks.appendingPathComponent("results")
    static let wrkScripts = benchmarks.appendingPathComponent("wrk")
    static let pgbenchScripts = benchmarks.appendingPathComponent("pgbench")
    /// The team's fixed reference scripts (`register.sql`, `promote.sql` and the schema and load they run
    /// on), kept beside the repository and run unchanged: CORA_BENCH_REFERENCE_DIR, else ../shared/limits.
    static let referenceScripts = ProcessInfo.processInfo.environment["CORA_BENCH_REFERENCE_DIR"].map { URL(fileURLWithPath: $0) }
        ?? root.deletingLastPathComponent().appendingPathComponent("shared/limits")
    /// The service under test, built by `swift build -c release --product cora` at the root.
    static let cora = root.appendingPathComponent(".build/release/cora").path
}

struct ToolFailure: Error, CustomStringConvertible {
    let description: String
}

/// Child processes through `posix_spawn`: Foundation's `Process` does not reap `runuser` children here,
/// and servers started by `pg_ctl` keep inherited pipes open, so output goes to files.
enum Spawn {
    /// Runs a tool to completion and returns what it printed (stdout and stderr together).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: String = "/dev/null") throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("cora-bench-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let pid = try start(executable, arguments, environment: environment, stdin: stdin, output: output)
        let status = wait(pid)
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        guard status == 0 else { throw ToolFailure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(status): \(text)") }
        return text
    }

    /// Starts a process in the background, its output appended to `output`.
    static func start(_ executable: String, _ arguments: [String], environment: [String: String] = [:], stdin: String = "/dev/null",
                      output: String, stdinDescriptor: Int32? = nil, closeInChild: Int32? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdinDescriptor {
            posix_spawn_file_actions_adddup2(&actions, stdinDescriptor, 0)
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        }
        if let closeInChild { posix_spawn_file_actions_addclose(&actions, closeInChild) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { $1 }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        // The calling thread (a concurrency pool thread) blocks most signals and children inherit that
        // mask: pgbench -T never saw its alarm. Children start with no blocked and no ignored signals.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw ToolFailure(description: "cannot start \(executable): errno \(spawned)") }
        return pid
    }

    /// Waits for a child and returns its exit status (128 + signal when killed).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}

/// Resident memory of a process, from /proc.
enum Memory {
    /// Resets the kernel's high-water mark so the next reading is the peak of what follows.
    static func resetPeak(_ pid: pid_t) {
        try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
    }

    /// Peak resident set (VmHWM) in MiB since start or the last reset.
    static func peakMiB(_ pid: pid_t) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return 0 }
        return kib / 1024
    }
}

/// A line on standard output at once, so it interleaves in order with children writing to the same terminal or file.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
