import AsyncHTTPClient
import CoraKernel
import CoraTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import SQLiteNIO
import Testing

/// `cora <arguments>` to completion: its exit code and everything it printed.
func cora(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    do {
        return (0, try runTool(ServerProcess.executable.path, arguments, environment: environment))
    } catch let failure as PostgresCluster.ClusterError {
        return (1, failure.message)
    }
}

@Suite("Moving a catalog: cora copy", .serialized, .enabled(if: StoreKind.allCases.contains(.postgres)))
struct CopyProcessTests {
    static let base = "https://cora.example.org"

    /// A catalog with every kind of event, made through the API; answers the ids and one register's key.
    func populate(_ client: Client) async throws -> (datasets: [String], runs: [String], subject: String, calibrations: [String], key: String, body: JSONValue) {
        func id(_ reply: (status: Int, json: JSONValue?, headers: HTTPHeaders), _ member: String) throws -> String {
            guard case .string(let id)? = reply.json?[member] else { throw ProcessFailure(message: "no \(member): \(reply.status) \(String(describing: reply.json))") }
            return id
        }
        let subject = try id(try await client.call(.POST, "/subjects", body: ["name": "pellet B-12"]), "subject_id")
        let completed = try id(try await client.call(.POST, "/runs", body: ["name": "run 007", "subject_id": .string(subject)]), "run_id")
        #expect(try await client.call(.POST, "/runs/\(completed)/end", body: ["end_state": "Completed"]).status == 204)
        let aborted = try id(try await client.call(.POST, "/runs", body: ["name": "run 008"]), "run_id")
        #expect(try await client.call(.POST, "/runs/\(aborted)/end", body: ["end_state": "Aborted", "reason": "beam dump"]).status == 204)
        let calibrations = [UUID().lowercased, UUID().lowercased]
        let key = "raw-projections-007"
        let rawExtra: [String: JSONValue] = ["producing_run_id": .string(completed), "subject_id": .string(subject), "used_calibrations": [.string(calibrations[0])]]
        let raw = try id(try await client.register(rawExtra, key: key), "dataset_id")
        let reconstruction = try id(try await client.register(["derived_from": [.string(raw)], "used_calibrations": .array(calibrations.map(JSONValue.string))]), "dataset_id")
        let segmentation = try id(try await client.register(["derived_from": [.string(reconstruction)]]), "dataset_id")
        let trial = try id(try await client.register(["producing_run_id": .string(aborted)]), "dataset_id")
        for dataset in [raw, reconstruction] {
            #expect(try await client.call(.POST, "/datasets/\(dataset)/promote", body: ["reason": "QA passed"]).status == 204)
        }
        #expect(try await client.call(.POST, "/datasets/\(reconstruction)/demote", body: ["reason": "calibration drift"]).status == 204)
        #expect(try await client.call(.POST, "/datasets/\(trial)/discard", body: ["reason": "bytes rotated out"]).status == 204)
        var body: [String: JSONValue] = [
            "name": "restart test", "uri": "s3://bucket/key.h5", "byte_size": 10,
            "checksum": ["algorithm": "sha256", "value": .string(String(repeating: "0", count: 64))],
            "encoding": ["media_type": "application/x-hdf5"],
        ]
        for (name, value) in rawExtra { body[name] = value }
        return ([raw, reconstruction, segmentation, trial], [completed, aborted], subject, calibrations, key, .object(body))
    }

    /// Every read the API offers over the catalog, by what was asked.
    func answers(_ client: Client, datasets: [String], runs: [String], subject: String, calibrations: [String]) async throws -> [String: JSONValue] {
        var paths = ["/subjects/\(subject)", "/events?after=0&limit=1000", "/events?stream_type=Run", "/datasets?status=Discarded",
                     "/datasets?derived_from=\(datasets[0])", "/datasets?used_calibrations=\(calibrations[0])&used_calibrations=\(calibrations[1])"]
        paths += runs.map { "/runs/\($0)" } + runs.map { "/datasets?producing_run_id=\($0)" }
        paths += calibrations.map { "/calibration-revisions/\($0)/impact" } + ["/datasets/\(datasets[1])/lineage?as_of_position=8"]
        for dataset in datasets {
            paths += ["/datasets/\(dataset)/lineage", "/datasets/\(dataset)/prov",
                      "/datasets/\(dataset)/prov?format=prov-o", "/datasets/\(dataset)/prov?format=prov-jsonld", "/datasets/\(dataset)/ro-crate"]
        }
        var result = try await client.snapshot(datasets)
        for path in paths {
            let reply = try await client.call(.GET, path)
            #expect(reply.status == 200, "\(path) → \(reply.status)")
            result[path] = reply.json
        }
        return result
    }

    @Test func aCopyFromSQLiteToPostgreSQLAnswersEveryReadTheSameAndKeepsIdempotencyKeys() async throws {
        let directory = try temporaryDirectory("copy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = "sqlite:" + directory.appendingPathComponent("lab.sqlite3").path
        let postgres = try await PostgresCluster.shared.freshDatabaseURL()
        let environment = ["CORA_PUBLIC_BASE_URL": Self.base]

        let before = try ServerProcess(database: sqlite, log: directory.appendingPathComponent("before.log"), environment: environment)
        try await before.waitUntilHealthy(.shared)
        let catalog = try await populate(Client(http: .shared, port: before.port))
        #expect(try await before.terminateAndWait() == 0)

        let copied = try cora(["copy", "--from", sqlite, "--to", postgres, "--log-level", "error"])
        #expect(copied.status == 0, "\(copied.output)")
        #expect(copied.output.contains("copied 13 events (up to position 13)"), "\(copied.output)")
        #expect(copied.output.contains("13 events, 4 idempotency keys, read models rebuilt for 4 datasets"), "\(copied.output)")

        let servers = try [ServerProcess(database: sqlite, log: directory.appendingPathComponent("sqlite.log"), environment: environment),
                           ServerProcess(database: postgres, log: directory.appendingPathComponent("postgres.log"), environment: environment)]
        defer { for server in servers { server.kill9() } }
        for server in servers { try await server.waitUntilHealthy(.shared) }
        let (onSQLite, onPostgres) = (Client(http: .shared, port: servers[0].port), Client(http: .shared, port: servers[1].port))
        let expected = try await answers(onSQLite, datasets: catalog.datasets, runs: catalog.runs, subject: catalog.subject, calibrations: catalog.calibrations)
        let actual = try await answers(onPostgres, datasets: catalog.datasets, runs: catalog.runs, subject: catalog.subject, calibrations: catalog.calibrations)
        #expect(expected.count > 40)
        for (read, answer) in expected { #expect(actual[read] == answer, "\(read)") }

        // The key registered on SQLite replays on PostgreSQL: the original Dataset, no new event.
        let replay = try await onPostgres.call(.POST, "/datasets", body: catalog.body, key: catalog.key)
        #expect(replay.status == 201)
        #expect(replay.json?["dataset_id"] == .string(catalog.datasets[0]))
        #expect(try PostgresCluster.query(postgres, "SELECT COUNT(*) FROM events") == "13")
        // New events number on after the copied ones.
        let next = try await onPostgres.register()
        #expect(next.status == 201)
        #expect(try PostgresCluster.query(postgres, "SELECT MAX(position) FROM events") == "14")

        // A target that holds anything is refused.
        let again = try cora(["copy", "--from", sqlite, "--to", postgres, "--log-level", "error"])
        #expect(again.status != 0)
        #expect(again.output.contains("the target is not empty"), "\(again.output)")
        #expect(try cora(["copy", "--from", "sqlite:" + directory.appendingPathComponent("typo.sqlite3").path, "--to", postgres]).output.contains("no such file"))
    }

    @Test func aCopyKilledHalfWayIsRefusedThenResumedToTheWholeCatalog() async throws {
        let directory = try temporaryDirectory("copy-kill")
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = "sqlite:" + directory.appendingPathComponent("lab.sqlite3").path
        let postgres = try await PostgresCluster.shared.freshDatabaseURL()
        let total = 3_000
        let lines = (0..<total).map { n in
            CanonicalJSON.string(Fixtures.registerBody(["name": .string("scan \(n)"), "used_calibrations": [.string(SequentialIDs.id(UInt64(n % 7)).lowercased)]]))
        }
        let input = directory.appendingPathComponent("datasets.ndjson")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: input)
        let imported = try cora(["import", "--principal", Client.principal, "--log-level", "error", input.path], environment: ["CORA_DATABASE_URL": sqlite])
        #expect(imported.status == 0, "\(imported.output)")

        // The target, migrated and watched on one connection pool of the test's own (a psql process per
        // look, fifty a second, had loaded the machine enough to stall the other suites).
        let watched = try await StoreKind.reopen(postgres)
        let copy = try SpawnedProcess(ServerProcess.executable.path, ["copy", "--from", sqlite, "--to", postgres, "--batch-size", "100", "--log-level", "error"],
                                      outputPath: "/dev/null")
        var partial = 0
        let start = ContinuousClock.now
        while partial < 300, copy.isRunning, ContinuousClock.now - start < .seconds(60) {
            partial = try await watched.store.holdings().events
            try await Task.sleep(for: .milliseconds(20))
        }
        copy.signal(SIGKILL)
        copy.waitUntilExit()
        try await watched.close()
        let left = Int(try PostgresCluster.query(postgres, "SELECT COUNT(*) FROM events")) ?? 0
        #expect(left > 0 && left < total, "the copy was to be killed half way; \(left) of \(total) were there")
        // Whole batches only: a prefix of the source.
        #expect(left % 100 == 0, "\(left)")
        #expect(try PostgresCluster.query(postgres, "SELECT MAX(position) FROM events") == String(left))

        let refused = try cora(["copy", "--from", sqlite, "--to", postgres, "--log-level", "error"])
        #expect(refused.status != 0 && refused.output.contains("--resume"), "\(refused.output)")
        let resumed = try cora(["copy", "--from", sqlite, "--to", postgres, "--resume", "--log-level", "error"])
        #expect(resumed.status == 0, "\(resumed.output)")
        #expect(resumed.output.contains("resumed: \(left) events were already on the target"), "\(resumed.output)")
        #expect(resumed.output.contains("copied \(total - left) events (up to position \(total))"), "\(resumed.output)")
        #expect(resumed.output.contains("\(total - left) events, 0 idempotency keys, read models rebuilt for \(total) datasets"), "\(resumed.output)")

        let source = try await StoreKind.reopen(sqlite)
        let target = try await StoreKind.reopen(postgres)
        var after: Int64 = 0
        var compared = 0
        while true {
            let theirs = try await source.store.readEvents(after: after, limit: 1000, streamType: nil)
            let ours = try await target.store.readEvents(after: after, limit: 1000, streamType: nil)
            #expect(ours == theirs, "page after \(after)")
            guard let last = theirs.last else { break }
            after = last.position
            compared += theirs.count
        }
        #expect(compared == total)
        try await source.close()
        try await target.close()
        let rebuild = try cora(["projections", "rebuild", "--log-level", "error"], environment: ["CORA_DATABASE_URL": postgres])
        #expect(rebuild.output.contains("checked \(total) datasets") && rebuild.output.contains("nothing differed"), "\(rebuild.output)")
    }
}

@Suite("Backups of a running server", .serialized)
struct BackupProcessTests {
    /// SQLite's `VACUUM INTO`, on a connection of its own beside the running server, is a consistent
    /// snapshot; restored onto a new machine with `cora copy`, it holds every write acknowledged before it.
    @Test func aSQLiteBackupTakenUnderWriteLoadHoldsEveryWriteAcknowledgedBeforeIt() async throws {
        let directory = try temporaryDirectory("backup")
        defer { try? FileManager.default.removeItem(at: directory) }
        let live = directory.appendingPathComponent("lab.sqlite3").path
        let backup = directory.appendingPathComponent("lab-backup.sqlite3").path
        let restored = directory.appendingPathComponent("new-machine.sqlite3").path
        let server = try ServerProcess(database: "sqlite:" + live, log: directory.appendingPathComponent("serve.log"))
        defer { server.kill9() }
        try await server.waitUntilHealthy(.shared)
        let client = Client(http: .shared, port: server.port)

        let acknowledged = Locked<[(id: String, at: ContinuousClock.Instant)]>([])
        let stop = Locked(false)
        let writers = (0..<4).map { _ in
            Task {
                while !stop.withLock({ $0 }) {
                    let reply = try await client.register()
                    if reply.status == 201, case .string(let id)? = reply.json?["dataset_id"] {
                        acknowledged.withLock { $0.append((id, ContinuousClock.now)) }
                    }
                }
            }
        }
        let loading = ContinuousClock.now
        while acknowledged.withLock({ $0.count }) < 60, ContinuousClock.now - loading < .seconds(30) { try await Task.sleep(for: .milliseconds(20)) }
        let backupStarted = ContinuousClock.now
        let connection = try await SQLiteConnection.open(storage: .file(path: live))
        _ = try await connection.query("VACUUM INTO '\(backup.replacingOccurrences(of: "'", with: "''"))'")
        try await connection.close()
        let afterBackup = acknowledged.withLock { $0.count }
        while acknowledged.withLock({ $0.count }) < afterBackup + 20, ContinuousClock.now - loading < .seconds(60) { try await Task.sleep(for: .milliseconds(20)) }
        stop.withLock { $0 = true }
        for writer in writers { try await writer.value }
        let before = acknowledged.withLock { $0.filter { $0.at < backupStarted }.map(\.id) }
        #expect(before.count > 50, "only \(before.count) writes before the backup")
        #expect(acknowledged.withLock { $0.count } > before.count, "the writes were to go on during the backup")

        let copied = try cora(["copy", "--from", "sqlite:" + backup, "--to", "sqlite:" + restored, "--log-level", "error"])
        #expect(copied.status == 0, "\(copied.output)")
        let restoredServer = try ServerProcess(database: "sqlite:" + restored, log: directory.appendingPathComponent("restored.log"))
        defer { restoredServer.kill9() }
        try await restoredServer.waitUntilHealthy(.shared)
        let onRestored = Client(http: .shared, port: restoredServer.port)
        var missing: [String] = []
        for id in before where try await onRestored.call(.GET, "/datasets/\(id)").status != 200 { missing.append(id) }
        #expect(missing.isEmpty, "\(missing.count) acknowledged writes missing from the backup")
        // The backup is one point of the log: its events are the live log's first ones, exactly.
        let restoredFeed = try await pagedFeed(onRestored, limit: 1000)
        let liveFeed = try await pagedFeed(client, limit: 1000)
        #expect(restoredFeed.count >= before.count)
        #expect(Array(liveFeed.prefix(restoredFeed.count)) == restoredFeed)
        #expect(try await server.terminateAndWait() == 0)
    }
}
