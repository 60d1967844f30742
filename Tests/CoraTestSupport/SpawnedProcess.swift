import Foundation
import Synchronization

/// A child process started with `posix_spawn` and reaped with `waitpid`. Not Foundation's `Process`: here
/// it sometimes never reaped an exited child (a zombie), and `waitUntilExit` then spun forever.
public final class SpawnedProcess: Sendable {
    public let processIdentifier: pid_t
    /// The wait status once reaped.
    private let reaped = Mutex<Int32?>(nil)

    /// Starts `executable` with the test process's environment plus `extra`, stdin from /dev/null,
    /// stdout and stderr into the file at `outputPath` (created or emptied).
    public init(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:], outputPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { _, given in given }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw SpawnFailure(message: "cannot start \(executable): errno \(spawned)") }
        processIdentifier = pid
    }

    public struct SpawnFailure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Reaps the child if it has exited (without blocking unless `blocking`).
    private func reap(blocking: Bool) -> Int32? {
        reaped.withLock { known in
            if let known { return known }
            var status: Int32 = 0
            var result: pid_t
            repeat { result = waitpid(processIdentifier, &status, blocking ? 0 : WNOHANG) } while result == -1 && errno == EINTR
            if result == processIdentifier { known = status }
            return known
        }
    }

    public var isRunning: Bool { reap(blocking: false) == nil }

    /// Blocks until the child has exited and answers its exit code (128 + the signal if a signal ended it).
    @discardableResult
    public func waitUntilExit() -> Int32 {
        guard let status = reap(blocking: true) else { return -1 }
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// The exit code, once it has exited (`waitUntilExit`'s answer); -1 while running.
    public var terminationStatus: Int32 { isRunning ? -1 : waitUntilExit() }

    public func signal(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }
}
