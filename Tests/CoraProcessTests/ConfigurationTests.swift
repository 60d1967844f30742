import AsyncHTTPClient
import CoraKernel
import CoraTestSupport
import Foundation
import SQLiteNIO
import Testing

/// Every subcommand resolves its configuration the same way: a CLI command that shares the server's
/// keys and grants must honour the same settings.
@Suite("One configuration for every subcommand", .serialized)
struct ConfigurationTests {
    static let principal = "11111111-2222-3333-4444-555555555555"

    func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = try temporaryDirectory("config")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    func sql(_ path: String, _ statement: String) async throws {
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        _ = try await connection.query(statement)
        try await connection.close()
    }

    /// `cora mcp` keeps idempotency keys for CORA_IDEMPOTENCY_TTL, as `cora serve` does: a key 30 hours
    /// old still replays with a 48-hour TTL and has expired under the default 24 hours.
    @Test func mcpHonoursTheIdempotencyTTL() async throws {
        let python = try PythonMCPClientTests.python()
        try await withDirectory { directory in
            let path = directory.appendingPathComponent("cora.sqlite3").path
            func register(ttl: String?) throws -> String {
                let output = try runTool(python, [PythonMCPClientTests.script, "register", ServerProcess.executable.path, Self.principal, "sqlite:" + path, "ttl-key"],
                                         environment: ttl.map { ["CORA_IDEMPOTENCY_TTL": $0] } ?? [:])
                let line = output.split(separator: "\n").last.map(String.init) ?? ""
                guard case .string(let id)? = try JSONParser.parse(line)["dataset_id"] else { throw ProcessFailure(message: output) }
                return id
            }
            let first = try register(ttl: nil)
            try await sql(path, "UPDATE idempotency_keys SET created_at = created_at - \(30 * 3600 * 1_000_000)")
            #expect(try register(ttl: "172800") == first, "a 30-hour-old key replays under a 48-hour TTL")
            #expect(try register(ttl: nil) != first, "the same key has expired under the default 24 hours")
            // And a TTL under a day stops `cora mcp` at start, as it stops `cora serve`.
            #expect(throws: (any Error).self) { try register(ttl: "3600") }
        }
    }

    /// `cora import` is authorized as RegisterDataset under CORA_POLICY_FILE: a principal the policy does
    /// not grant imports nothing and is told why.
    @Test func importHonoursThePolicyFile() async throws {
        try await withDirectory { directory in
            let database = "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path
            let lines = directory.appendingPathComponent("datasets.ndjson").path
            let body = #"{"name":"imported","uri":"s3://b/k.h5","checksum":{"algorithm":"sha256","value":"\#(String(repeating: "a", count: 64))"},"byte_size":1,"encoding":{"media_type":"application/x-hdf5"}}"#
            try (body + "\n" + body + "\n").write(toFile: lines, atomically: true, encoding: .utf8)
            let policy = directory.appendingPathComponent("policy.json").path
            try #"{"grants":[{"principal":"\#(Self.principal)","allow":["GetDataset","ListDatasets"]}]}"#.write(toFile: policy, atomically: true, encoding: .utf8)
            let arguments = ["import", "--principal", Self.principal, "--log-level", "error", lines]
            do {
                try runTool(ServerProcess.executable.path, arguments, environment: ["CORA_DATABASE_URL": database, "CORA_POLICY_FILE": policy])
                Issue.record("the import ran for a principal the policy does not grant RegisterDataset")
            } catch {
                #expect("\(error)".contains("Unauthorized: Principal \(Self.principal) is not granted RegisterDataset"), "\(error)")
            }
            let output = try runTool(ServerProcess.executable.path, ["migrate", "--log-level", "error"], environment: ["CORA_DATABASE_URL": database])
            #expect(!output.contains("registered"))
            let connection = try await SQLiteConnection.open(storage: .file(path: String(database.dropFirst("sqlite:".count))))
            #expect(try await connection.query("SELECT COUNT(*) AS n FROM events").first?.column("n")?.integer == 0)
            try await connection.close()
            // Granted, the same import registers both lines.
            try #"{"grants":[{"principal":"\#(Self.principal)","allow":["RegisterDataset"]}]}"#.write(toFile: policy, atomically: true, encoding: .utf8)
            let imported = try runTool(ServerProcess.executable.path, arguments, environment: ["CORA_DATABASE_URL": database, "CORA_POLICY_FILE": policy])
            #expect(imported.contains("registered 2 datasets"), "\(imported)")
        }
    }

    /// `cora serve` writes the exports' links, `cora:` namespace, license and publisher from
    /// CORA_PUBLIC_BASE_URL, CORA_EXPORT_LICENSE and CORA_PUBLISHER_NAME, and refuses a base that is no URL.
    @Test func serveTakesTheExportSettingsFromTheEnvironment() async throws {
        try await withDirectory { directory in
            let database = "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path
            let server = try ServerProcess(database: database, log: directory.appendingPathComponent("serve.log"), environment: [
                "CORA_PUBLIC_BASE_URL": "https://catalogue.example.org", "CORA_EXPORT_LICENSE": "https://creativecommons.org/licenses/by/4.0/",
                "CORA_PUBLISHER_NAME": "Beamline 35-BM",
            ])
            try await server.waitUntilHealthy(HTTPClient.shared)
            let client = Client(http: HTTPClient.shared, port: server.port)
            let id = try #require(try await client.register().json?["dataset_id"].flatMap { if case .string(let id) = $0 { id } else { nil } })
            let prov = try await client.call(.GET, "/datasets/\(id)/prov").json
            #expect(prov?["prefix"]?["cora"] == "https://catalogue.example.org/ns#")
            guard case .array(let graph)? = try await client.call(.GET, "/datasets/\(id)/ro-crate").json?["@graph"] else { Issue.record("no crate"); return }
            let root = graph.first { $0["@id"] == "./" }
            #expect(root?["license"] == ["@id": "https://creativecommons.org/licenses/by/4.0/"])
            #expect(root?["url"] == .string("https://catalogue.example.org/datasets/\(id)"))
            let publisher = graph.first { $0["@id"] == root?["publisher"]?["@id"] }
            #expect(publisher?["name"] == "Beamline 35-BM" && publisher?["@type"] == "Organization")
            #expect(try await server.terminateAndWait() == 0)

            for (name, value) in [("CORA_PUBLIC_BASE_URL", "catalogue.example.org"), ("CORA_EXPORT_LICENSE", "CC-BY-4.0")] {
                let log = directory.appendingPathComponent("\(name).log")
                let refused = try ServerProcess(database: database, log: log, environment: [name: value])
                for _ in 0..<200 where refused.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
                if refused.process.isRunning { _ = try await refused.terminateAndWait(); Issue.record("serve started with \(name)=\(value)") }
                #expect(String(decoding: try Data(contentsOf: log), as: UTF8.self).contains("\(name) must be an http(s) URL"), "\(name)")
            }
        }
    }

    /// Bearer mode without what it needs does not start, and says what is missing.
    @Test func serveInBearerModeNamesWhatIsMissing() async throws {
        try await withDirectory { directory in
            let database = "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path
            let bearer = ["CORA_AUTH_MODE": "bearer", "CORA_OIDC_ISSUER": "https://idp.example.org/realms/facility", "CORA_OIDC_AUDIENCE": "cora-data"]
            let cases: [(environment: [String: String], says: String)] = [
                (["CORA_AUTH_MODE": "bearer"], "CORA_AUTH_MODE=bearer needs CORA_OIDC_ISSUER"),
                (["CORA_AUTH_MODE": "bearer", "CORA_OIDC_ISSUER": "https://idp.example.org/realms/facility"], "CORA_AUTH_MODE=bearer needs CORA_OIDC_AUDIENCE"),
                (bearer, "CORA_AUTH_MODE=bearer needs CORA_OIDC_JWKS"),
                (bearer.merging(["CORA_OIDC_JWKS": "http://idp.example.org/certs"]) { a, _ in a }, "CORA_OIDC_JWKS must be an https:// URL or a file path"),
                (bearer.merging(["CORA_OIDC_JWKS": directory.appendingPathComponent("missing.json").path]) { a, _ in a }, "cannot read the key set file"),
                (["CORA_AUTH_MODE": "oidc"], "CORA_AUTH_MODE must be header or bearer"),
            ]
            for (index, refused) in cases.enumerated() {
                let log = directory.appendingPathComponent("bearer-\(index).log")
                let server = try ServerProcess(database: database, log: log, environment: refused.environment)
                for _ in 0..<200 where server.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
                if server.process.isRunning { _ = try await server.terminateAndWait(); Issue.record("serve started: \(refused.environment)") }
                #expect(String(decoding: try Data(contentsOf: log), as: UTF8.self).contains(refused.says), "\(refused.says)")
            }
        }
    }
}
