import AsyncHTTPClient
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("cora serve with read replicas", .serialized, .enabled(if: StoreKind.allCases.contains(.postgres)))
struct ReadReplicaProcessTests {
    /// `CORA_DATABASE_READ_URL` sends reads to the standby: a write's `Cora-Position`, asked back with
    /// `Cora-Min-Position`, is read; with the primary stopped, GET and the list still answer from the
    /// standby; a write then fails, as it must without its primary.
    @Test(.timeLimit(.minutes(3))) func serveReadsFromTheStandbyItIsGiven() async throws {
        let directory = try temporaryDirectory("replica")
        defer { try? FileManager.default.removeItem(at: directory) }
        let pair = try PostgresCluster.streamingPair()
        let (primaryURL, standbyURL) = try pair.createDatabase("cora_served")
        let server = try ServerProcess(database: primaryURL, log: directory.appendingPathComponent("serve.log"), logLevel: "info",
                                       environment: ["CORA_DATABASE_READ_URL": standbyURL])
        defer { Task { _ = try? await server.terminateAndWait() } }
        try await server.waitUntilHealthy(.shared)
        let client = Client(http: .shared, port: server.port)

        let created = try await client.register()
        #expect(created.status == 201)
        let id = try #require(client.datasetID(created))
        let position = try #require(created.headers.first(name: "Cora-Position"))
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/datasets/\(id)")
        request.headers.add(name: "X-Principal-Id", value: Client.principal)
        request.headers.add(name: "Cora-Min-Position", value: position)
        #expect(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code == 200)

        // Give the watch a look at the standby caught up, then take the primary away.
        try await Task.sleep(for: .seconds(3))
        try pair.stopPrimary()
        #expect(try await client.call(.GET, "/datasets/\(id)").status == 200)
        let listed = try await client.call(.GET, "/datasets")
        #expect(listed.status == 200)
        if case .array(let items)? = listed.json?["items"] { #expect(items.count == 1) } else { Issue.record("no items: \(listed)") }
        #expect(try await client.register(timeout: .seconds(15)).status == 503, "commands need the primary")
        try pair.startPrimary()
        let log = String(decoding: try Data(contentsOf: directory.appendingPathComponent("serve.log")), as: UTF8.self)
        #expect(log.contains("reads on hot standbys"), "\(log.suffix(2000))")
        #expect(!log.contains(standbyURL) && !log.contains("postgres@"), "the log names a standby by host, port and database, never its URL or user")
    }

    @Test func aReadURLNeedsAPostgreSQLPrimaryAndAPostgreSQLStandby() async throws {
        let directory = try temporaryDirectory("replica-refusals")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(database: String, readURL: String, says: String)] = [
            ("sqlite:" + directory.appendingPathComponent("cora.sqlite3").path, "postgres://postgres@127.0.0.1:1/x", "CORA_DATABASE_READ_URL needs a PostgreSQL primary"),
            ("postgres://postgres@127.0.0.1:1/x", "sqlite:replica.sqlite3", "CORA_DATABASE_READ_URL names PostgreSQL hot standbys"),
        ]
        for (index, refused) in cases.enumerated() {
            let log = directory.appendingPathComponent("\(index).log")
            let server = try ServerProcess(database: refused.database, log: log, environment: ["CORA_DATABASE_READ_URL": refused.readURL])
            for _ in 0..<200 where server.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            if server.process.isRunning { _ = try await server.terminateAndWait(); Issue.record("serve started: \(refused)") }
            #expect(String(decoding: try Data(contentsOf: log), as: UTF8.self).contains(refused.says), "\(refused.says)")
        }
    }
}
