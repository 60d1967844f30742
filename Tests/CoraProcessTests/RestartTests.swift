import AsyncHTTPClient
import CoraKernel
import Foundation
import NIOCore
import NIOHTTP1
import CoraTestSupport
import Testing

/// A real `cora serve` process on a temporary SQLite file.
final class ServerProcess: Sendable {
    let process: SpawnedProcess
    let port: Int
    let log: URL

    static var executable: URL {
        // The test bundle sits next to the products of the same build.
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("cora")
    }

    /// `database` is a CORA_DATABASE_URL.
    init(database: String, port: Int = freeLoopbackPort(), log: URL, logLevel: String = "warning", environment extra: [String: String] = [:]) throws {
        self.port = port
        self.log = log
        let environment = ["CORA_DATABASE_URL": database, "CORA_PORT": String(port), "CORA_LOG_LEVEL": logLevel].merging(extra) { _, given in given }
        process = try SpawnedProcess(Self.executable.path, ["serve"], environment: environment, outputPath: log.path)
    }

    func waitUntilHealthy(_ client: HTTPClient) async throws {
        for _ in 0..<200 {
            if let response = try? await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz"), timeout: .seconds(1)), response.status == .ok { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ProcessFailure(message: "cora serve did not become healthy: \(String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self))")
    }

    func kill9() {
        process.signal(SIGKILL)
        process.waitUntilExit()
    }

    func terminateAndWait() async throws -> Int32 {
        process.signal(SIGTERM)
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { process.signal(SIGINT) }
        return process.waitUntilExit()
    }
}

struct ProcessFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

struct Client {
    let http: HTTPClient
    let port: Int
    static let principal = "11111111-2222-3333-4444-555555555555"

    func call(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, key: String? = nil, timeout: TimeAmount = .seconds(30)) async throws -> (status: Int, json: JSONValue?, headers: HTTPHeaders) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        request.headers.add(name: "X-Principal-Id", value: Self.principal)
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: CanonicalJSON.bytes(body)))
        }
        let response = try await http.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), try? JSONParser.parse(Array(bytes.readableBytesView)), response.headers)
    }

    func register(_ extra: [String: JSONValue] = [:], key: String = UUID().uuidString, timeout: TimeAmount = .seconds(30)) async throws -> (status: Int, json: JSONValue?, headers: HTTPHeaders) {
        var body: [String: JSONValue] = [
            "name": "restart test", "uri": "s3://bucket/key.h5", "byte_size": 10,
            "checksum": ["algorithm": "sha256", "value": .string(String(repeating: "0", count: 64))],
            "encoding": ["media_type": "application/x-hdf5"],
        ]
        for (name, value) in extra { body[name] = value }
        return try await call(.POST, "/datasets", body: .object(body), key: key, timeout: timeout)
    }

    /// Everything a reader can see: each dataset, its history, and the whole list walked page by page.
    func snapshot(_ ids: [String]) async throws -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        for id in ids {
            result["get:\(id)"] = try await call(.GET, "/datasets/\(id)").json
            result["history:\(id)"] = try await call(.GET, "/datasets/\(id)/history").json
        }
        var cursor: String?
        var page = 0
        repeat {
            let reply = try await call(.GET, "/datasets?limit=7" + (cursor.map { "&cursor=\($0)" } ?? ""))
            result["page:\(page)"] = reply.json
            if case .string(let next)? = reply.json?["next_cursor"] { cursor = next } else { cursor = nil }
            page += 1
        } while cursor != nil
        return result
    }
}

@Suite("The real process: SIGTERM and restart", .serialized)
struct RestartTests {
    @Test func sigtermDrainsAndExitsZeroAndARestartShowsExactlyTheSameRecords() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: ServerProcess.executable.path), "the cora executable is built beside the tests")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cora-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("cora.sqlite3").path
        let http = HTTPClient.shared
        let port = freeLoopbackPort()

        let first = try ServerProcess(database: "sqlite:" + database, port: port, log: directory.appendingPathComponent("first.log"))
        try await first.waitUntilHealthy(http)
        let client = Client(http: http, port: port)
        let startLog = String(decoding: (try? Data(contentsOf: directory.appendingPathComponent("first.log"))) ?? Data(), as: UTF8.self)
        #expect(startLog.contains("No CORA_POLICY_FILE configured"), "an open policy is announced at start: \(startLog)")
        let subject = try #require(try await client.call(.POST, "/subjects", body: ["name": "s"]).json?["subject_id"])
        let run = try #require(try await client.call(.POST, "/runs", body: ["name": "r", "subject_id": subject]).json?["run_id"])
        guard case .string(let runID) = run else { Issue.record("no run id"); return }
        #expect(try await client.call(.POST, "/runs/\(runID)/end", body: ["end_state": "Completed"]).status == 204)
        var ids: [String] = []
        for n in 0..<25 {
            let reply = try await client.register(["producing_run_id": run, "subject_id": subject, "used_calibrations": [.string(UUID().lowercased)]])
            guard case .string(let id)? = reply.json?["dataset_id"] else { Issue.record("register failed: \(reply.status)"); return }
            ids.append(id)
            if n % 3 == 0 { #expect(try await client.call(.POST, "/datasets/\(id)/promote", body: ["reason": "qa passed"]).status == 204) }
            if n % 5 == 0 { #expect(try await client.call(.POST, "/datasets/\(id)/discard", body: ["reason": "rotated"]).status == 204) }
        }

        // Requests in flight when SIGTERM arrives are answered; the process then exits 0.
        let inFlight = Task {
            try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        // The client retries refused connections until its deadline; a short one keeps the test quick.
                        guard let reply = try? await client.register(timeout: .seconds(3)) else { return (-1, nil) }
                        if case .string(let id)? = reply.json?["dataset_id"] { return (reply.status, id) }
                        return (reply.status, nil)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        try await Task.sleep(for: .milliseconds(30))
        let exitCode = try await first.terminateAndWait()
        let outcomes = try await inFlight.value
        #expect(exitCode == 0, "exit status \(exitCode)")
        #expect(outcomes.allSatisfy { $0.0 == 201 || $0.0 == -1 }, "\(outcomes.map(\.0))")
        ids += outcomes.compactMap(\.1)
        let before = try await restartAndSnapshot(database: database, directory: directory, http: http, ids: ids, name: "second")
        let after = try await restartAndSnapshot(database: database, directory: directory, http: http, ids: ids, name: "third")
        #expect(before == after)
        for id in ids { #expect(before["get:\(id)"]??["id"] == .string(id), "dataset \(id) acknowledged with 201 is stored") }
    }

    private func restartAndSnapshot(database: String, directory: URL, http: HTTPClient, ids: [String], name: String) async throws -> [String: JSONValue?] {
        let port = freeLoopbackPort()
        let server = try ServerProcess(database: "sqlite:" + database, port: port, log: directory.appendingPathComponent("\(name).log"))
        try await server.waitUntilHealthy(http)
        let snapshot = try await Client(http: http, port: port).snapshot(ids)
        #expect(try await server.terminateAndWait() == 0)
        return snapshot.mapValues { $0 }
    }
}

@Suite("The real process: start-up refusals and the request log", .serialized)
struct ProcessLogTests {
    func withDirectory(_ body: (URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cora-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory)
    }

    @Test func everyRequestLogsOneLineWithMethodRouteStatusDurationPrincipalAndCorrelationID() async throws {
        try await withDirectory { directory in
            let log = directory.appendingPathComponent("serve.log")
            let server = try ServerProcess(database: "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path, log: log, logLevel: "info")
            try await server.waitUntilHealthy(HTTPClient.shared)
            let client = Client(http: HTTPClient.shared, port: server.port)
            let missing = UUID().lowercased
            let notFound = try await client.call(.GET, "/datasets/\(missing)")
            var anonymous = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/datasets")
            anonymous.method = .GET
            let unauthenticated = try await HTTPClient.shared.execute(anonymous, timeout: .seconds(10))
            #expect(try await server.terminateAndWait() == 0)
            let lines = String(decoding: try Data(contentsOf: log), as: UTF8.self).split(separator: "\n").map(String.init)

            func fields(of correlationID: String?) throws -> [String: String] {
                let id = try #require(correlationID)
                let matching = lines.filter { $0.contains("correlation_id=\(id)") }
                try #require(matching.count == 1, "one line per request: \(matching)")
                return Dictionary(matching[0].split(separator: " ").compactMap { token -> (String, String)? in
                    let parts = token.split(separator: "=", maxSplits: 1)
                    return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                }, uniquingKeysWith: { first, _ in first })
            }
            let found = try fields(of: notFound.headers.first(name: "X-Correlation-Id"))
            #expect(found["method"] == "GET")
            #expect(found["route"] == "/datasets/{dataset_id}", "the route pattern, never the raw path")
            #expect(found["status"] == "404")
            #expect(found["principal"] == Client.principal)
            #expect(found["duration_ms"].flatMap(Double.init).map { $0 >= 0 } == true, "\(found)")
            let refused = try fields(of: unauthenticated.headers.first(name: "X-Correlation-Id"))
            #expect(refused["status"] == "401")
            #expect(refused["principal"] == "-")
            #expect(refused["route"] == "/datasets")
        }
    }

    @Test func anIdempotencyTTLUnderADayIsRefusedAtStart() async throws {
        try await withDirectory { directory in
            let log = directory.appendingPathComponent("serve.log")
            let server = try ServerProcess(database: "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path, log: log,
                                           environment: ["CORA_IDEMPOTENCY_TTL": "86399"])
            for _ in 0..<200 where server.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!server.process.isRunning, "serve must not start with a TTL under 24 hours")
            if server.process.isRunning { _ = try await server.terminateAndWait() }
            #expect(server.process.terminationStatus != 0)
            let output = String(decoding: try Data(contentsOf: log), as: UTF8.self)
            #expect(output.contains("CORA_IDEMPOTENCY_TTL must be at least 86400 seconds"), "\(output)")
        }
    }
}
