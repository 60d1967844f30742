import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Python virtual environment holding pinned PyPI packages: the consumers' own libraries the tests
/// check this service's output with. Made under the system temporary directory on first use and reused;
/// without Python or PyPI the tests that need it fail (they never skip).
public enum PythonEnvironment {
    /// `python` of a virtual environment named `name` with `packages` installed; `probe` is a Python
    /// statement that succeeds once they are.
    public static func python(_ name: String, packages: [String], probe: String) throws -> String {
        let venv = FileManager.default.temporaryDirectory.appendingPathComponent("cora-\(name)-venv").path
        let python = venv + "/bin/python"
        // Suites run in parallel and in separate processes: one creates the environment, the others wait.
        // Close-on-exec, or a server spawned meanwhile (postgres daemonizes) would hold the lock forever.
        let lock = open(venv + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw PythonEnvironmentError.lockUnavailable(venv + ".lock") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        if (try? runTool(python, ["-c", probe])) != nil { return python }
        try? FileManager.default.removeItem(atPath: venv)
        let system = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? ProcessInfo.processInfo.environment["PATH"].flatMap { path in
                path.split(separator: ":").map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
            } ?? "python3"
        try runTool(system, ["-m", "venv", venv])
        try runTool(venv + "/bin/pip", ["install", "--quiet", "--disable-pip-version-check"] + packages)
        try runTool(python, ["-c", probe])
        return python
    }
}

public enum PythonEnvironmentError: Error {
    case lockUnavailable(String)
}
