import CoraData
import CoraKernel
import Foundation
import Logging

/// Where the events live, from `CORA_DATABASE_URL`: `sqlite:<path>` (default `sqlite:cora.sqlite3`) or
/// `postgres://user:password@host:port/database`.
enum DatabaseLocation: Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    init(url: String) throws {
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw Unsupported(description: "CORA_DATABASE_URL 'sqlite:' needs a path, e.g. sqlite:cora.sqlite3") }
            self = .sqlite(path: path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(url: url)
        } else {
            throw Unsupported(description: "CORA_DATABASE_URL must be sqlite:<path> or postgres://user:password@host:port/database; got '\(url)'")
        }
    }
}

/// Settings from flags, falling back to the environment, then to defaults that need no setup.
struct ServiceConfiguration {
    var host = "127.0.0.1"
    var port = 8080
    var database = DatabaseLocation.sqlite(path: "cora.sqlite3")
    var policyFile: String?
    var logLevel = Logger.Level.info
    var idempotencyTTLSeconds: Int64 = 86_400

    static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
}

extension ServiceConfiguration {
    /// The access policy: the file's grants, or allow-all with a warning when no file is configured.
    func loadPolicy(logger: Logger) throws -> AccessPolicy {
        guard let policyFile else {
            logger.warning("No CORA_POLICY_FILE configured: every authenticated principal may run every command and query.")
            return .allowAll
        }
        guard let data = FileManager.default.contents(atPath: policyFile) else {
            throw ConfigurationError(description: "cannot read policy file \(policyFile)")
        }
        do {
            return try AccessPolicy(json: Array(data))
        } catch {
            throw ConfigurationError(description: "policy file \(policyFile): \(error.description)")
        }
    }
}
