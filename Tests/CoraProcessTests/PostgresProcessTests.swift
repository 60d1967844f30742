import AsyncHTTPClient
import CoraKernel
import CoraTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// Runs `cora projections rebuild` against a database and returns what it printed.
func rebuildProjection(_ database: String) throws -> String {
    try runTool(ServerProcess.executable.path, ["projections", "rebuild", "--database-url", database, "--log-level", "error"])
}

extension Client {
    func datasetID(_ reply: (status: Int, json: JSONValue?, headers: HTTPHeaders)) -> String? {
        guard case .string(let id)? = reply.json?["dataset_id"] else { return nil }
        return id
    }
}

@Suite("Several processes on one PostgreSQL, and faults", .serialized, .enabled(if: StoreKind.allCases.contains(.postgres)))
struct PostgresProcessTests {
    @Test func twoServersOnOneDatabaseStayConsistent() async throws {
        let directory = try temporaryDirectory("two")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await PostgresCluster.shared.freshDatabaseURL()
        let servers = try [ServerProcess(database: database, log: directory.appendingPathComponent("a.log")),
                           ServerProcess(database: database, log: directory.appendingPathComponent("b.log"))]
        for server in servers { try await server.waitUntilHealthy(.shared) }
        let clients = servers.map { Client(http: .shared, port: $0.port) }

        // 20 concurrent promotes of one dataset, split across both processes → one event.
        let target = try #require(clients[0].datasetID(try await clients[0].register()))
        let promotes = try await withThrowingTaskGroup(of: (Int, JSONValue?).self) { group in
            for n in 0..<20 {
                group.addTask { let r = try await clients[n % 2].call(.POST, "/datasets/\(target)/promote", body: ["reason": .string("review \(n)")]); return (r.status, r.json) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(promotes.filter { $0.0 == 204 }.count == 1)
        let alreadyPromoted = promotes.filter { (status, json) in status == 409 && json?["code"] == .string("DatasetAlreadyPromoted") }
        #expect(alreadyPromoted.count == 19, "\(promotes.map(\.0))")
        #expect(try PostgresCluster.query(database, "SELECT COUNT(*) FROM events WHERE event_type = 'DatasetPromoted'") == "1")

        // 50 concurrent registers sharing one Idempotency-Key, split across both → one dataset.
        let registers = try await withThrowingTaskGroup(of: (Int, String?, JSONValue?, String?).self) { group in
            for n in 0..<50 {
                group.addTask {
                    let r = try await clients[n % 2].register(key: "shared-key")
                    return (r.status, clients[0].datasetID(r), r.json?["code"], r.headers.first(name: "Retry-After"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(registers.allSatisfy { $0.0 == 201 || ($0.0 == 409 && $0.2 == "IdempotencyKeyInFlight" && $0.3 == "1") }, "\(registers.map(\.0))")
        #expect(Set(registers.compactMap(\.1)).count == 1)
        #expect(try PostgresCluster.query(database, "SELECT COUNT(*) FROM events WHERE event_type = 'DatasetRegistered'") == "2")

        // A few thousand mixed commands from 16 workers over both → no 5xx, and the projection equals a fold.
        let known = Locked<[String]>([target])
        let statuses = Locked<[Int: Int]>([:])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var random = SystemRandomNumberGenerator()
                    for step in 0..<150 {
                        let client = clients[(worker + step) % 2]
                        let ids = known.withLock { $0 }
                        let pick = ids[Int.random(in: 0..<ids.count, using: &random)]
                        let status: Int
                        switch Int.random(in: 0..<10, using: &random) {
                        case 0..<4:
                            let reply = try await client.register(["used_calibrations": [.string(UUID().lowercased)]])
                            if let id = client.datasetID(reply) { known.withLock { $0.append(id) } }
                            status = reply.status
                        case 4..<6: status = try await client.call(.POST, "/datasets/\(pick)/promote", body: ["reason": "qa"]).status
                        case 6: status = try await client.call(.POST, "/datasets/\(pick)/demote", body: ["reason": "drift"]).status
                        case 7: status = try await client.call(.POST, "/datasets/\(pick)/discard", body: ["reason": "rotated"]).status
                        case 8: status = try await client.call(.GET, "/datasets/\(pick)").status
                        default: status = try await client.call(.GET, "/datasets?limit=20").status
                        }
                        statuses.withLock { $0[status, default: 0] += 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        let seen = statuses.withLock { $0 }
        #expect(seen.keys.allSatisfy { [200, 201, 204, 409].contains($0) }, "\(seen)")
        #expect(seen.values.reduce(0, +) == 2400)
        let report = try rebuildProjection(database)
        #expect(report.contains("nothing differed"), "\(report)")
        for server in servers { #expect(try await server.terminateAndWait() == 0) }
    }

    @Test func killNineMidWriteLosesNothingAcknowledged() async throws {
        let directory = try temporaryDirectory("kill9")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = try await PostgresCluster.shared.freshDatabaseURL()
        let victim = try ServerProcess(database: database, log: directory.appendingPathComponent("victim.log"))
        try await victim.waitUntilHealthy(.shared)
        let client = Client(http: .shared, port: victim.port)
        let acknowledged = Locked<[String]>([])
        let writers = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while !Task.isCancelled {
                            guard let reply = try? await client.register(timeout: .seconds(2)) else { return }
                            guard reply.status == 201, let id = client.datasetID(reply) else { return }
                            acknowledged.withLock { $0.append(id) }
                            _ = try? await client.call(.POST, "/datasets/\(id)/promote", body: ["reason": "qa"], timeout: .seconds(2))
                        }
                    }
                }
            }
        }
        try await Task.sleep(for: .milliseconds(1500))
        victim.kill9()
        await writers.value
        let ids = acknowledged.withLock { $0 }
        #expect(ids.count > 10, "the load ran before the kill")

        let survivor = try ServerProcess(database: database, log: directory.appendingPathComponent("survivor.log"))
        try await survivor.waitUntilHealthy(.shared)
        let after = Client(http: .shared, port: survivor.port)
        for id in ids { #expect(try await after.call(.GET, "/datasets/\(id)").status == 200, "acknowledged \(id) is stored") }
        // Every Dataset stream starts with its registration, and the projection equals the fold of the events.
        #expect(try PostgresCluster.query(database, "SELECT COUNT(*) FROM events e WHERE e.stream_type = 'Dataset' AND e.version = 1 AND e.event_type <> 'DatasetRegistered'") == "0")
        #expect(try rebuildProjection(database).contains("nothing differed"))
        #expect(try await survivor.terminateAndWait() == 0)
    }

    @Test func anOutageAnswers503QuicklyAndTheServerRecoversByItself() async throws {
        let directory = try temporaryDirectory("outage")
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = PostgresCluster()
        let database = try await cluster.freshDatabaseURL()
        let server = try ServerProcess(database: database, log: directory.appendingPathComponent("server.log"), logLevel: "error")
        try await server.waitUntilHealthy(.shared)
        let client = Client(http: .shared, port: server.port)
        let existing = try #require(client.datasetID(try await client.register()))

        try await cluster.stopServer()
        let outage = try await withThrowingTaskGroup(of: (Int, JSONValue?, Duration, HTTPHeaders).self) { group in
            // At most 8 at once: the HTTP client opens 8 connections per host and would queue the rest.
            for n in 0..<8 {
                group.addTask {
                    let started = ContinuousClock.now
                    let reply = n % 3 == 0 ? try await client.call(.GET, "/datasets/\(existing)", timeout: .seconds(30))
                        : n % 3 == 1 ? try await client.register(timeout: .seconds(30)) : try await client.call(.GET, "/readyz", timeout: .seconds(30))
                    return (reply.status, reply.json, ContinuousClock.now - started, reply.headers)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        if outage.contains(where: { $0.0 != 503 }) {
            // Keep what the server logged about the odd answer: the test directory is removed afterwards.
            print("server log:", String(decoding: (try? Data(contentsOf: directory.appendingPathComponent("server.log"))) ?? Data(), as: UTF8.self))
        }
        for (status, json, elapsed, headers) in outage {
            #expect(status == 503 && json?["code"] == "StoreUnavailable", "\(status) \(String(describing: json))")
            #expect(headers.first(name: "Retry-After") != nil)
            #expect(elapsed < .seconds(10), "answered after \(elapsed)")
        }

        try await cluster.restartServer()
        var ready = false
        for _ in 0..<100 where !ready {
            ready = try await client.call(.GET, "/readyz", timeout: .seconds(10)).status == 200
            if !ready { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(ready, "/readyz recovered without restarting the server")
        #expect(try await client.call(.GET, "/datasets/\(existing)").status == 200)
        #expect(try await client.register().status == 201)
        #expect(try await server.terminateAndWait() == 0)
    }
}
