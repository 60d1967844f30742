import ArgumentParser
import Foundation

@main
struct CoraBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cora-bench",
        abstract: "Load the CORA Data service with wrk and compare it with the machine's own limits.",
        subcommands: [Load.self, Grow.self, Run.self, Report.self, Stop.self])
}

struct StoreOption: ParsableArguments {
    @Option(name: .long, help: "sqlite or postgres")
    var store: String

    func kind() throws -> StoreKind {
        guard let kind = StoreKind(rawValue: store) else { throw ValidationError("--store must be sqlite or postgres") }
        return kind
    }
}

struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register N synthetic datasets through `cora import` (the domain's deciders and the store), then build the limit database.")

    @OptionGroup var store: StoreOption

    @Option(name: .long, help: "Datasets to register")
    var datasets = 1_000_000

    @Option(name: .long, help: "Batches in flight (cora import --jobs)")
    var jobs = 2

    func run() async throws {
        let kind = try store.kind()
        let fileManager = FileManager.default
        try? fileManager.removeItem(at: kind.directory.appendingPathComponent("fixtures"))
        try fileManager.createDirectory(at: kind.directory.appendingPathComponent("fixtures"), withIntermediateDirectories: true)
        // A fresh database each time, so figures always refer to exactly N loaded datasets.
        switch kind {
        case .sqlite:
            for suffix in ["", "-wal", "-shm"] { try? fileManager.removeItem(atPath: kind.directory.appendingPathComponent("cora.sqlite3" + suffix).path) }
        case .postgres:
            try BenchCluster.ensureRunning()
            try BenchCluster.psql("postgres", "DROP DATABASE IF EXISTS cora WITH (FORCE)")
            try BenchCluster.psql("postgres", "CREATE DATABASE cora")
            try BenchCluster.psql("cora", "CREATE EXTENSION pg_stat_statements")
        }
        let started = Date()
        say("registering \(datasets) datasets into \(kind.databaseURL)")
        try Workload.load(kind, count: datasets, jobs: jobs)
        say(String(format: "loaded in %.0f s", Date().timeIntervalSince(started)))
        if kind == .postgres {
            // What an operator does after a bulk load, so the first runs do not race autovacuum.
            try BenchCluster.psql("cora", "VACUUM (ANALYZE)")
        }
        try Limits.prepare(kind)
    }
}

struct Grow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Register N more synthetic raw datasets into the loaded catalogue (for growth curves); fixtures and limits stay.")

    @OptionGroup var store: StoreOption

    @Option(name: .long, help: "Datasets to add")
    var datasets = 2_000_000

    @Option(name: .long, help: "Batches in flight (cora import --jobs)")
    var jobs = 2

    func run() async throws {
        let kind = try store.kind()
        let started = Date()
        let tag = "grown-\(Int(started.timeIntervalSince1970))"
        say("registering \(datasets) more datasets into \(kind.databaseURL)")
        try Workload.importLines(kind, jobs: jobs, name: tag, count: datasets) { number, generator in
            Workload.registrationBody(tag: "\(tag)-\(number)", using: &generator)
        }
        say(String(format: "grown in %.0f s", Date().timeIntervalSince(started)))
        if kind == .postgres { try BenchCluster.psql("cora", "VACUUM (ANALYZE)") }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scenarios against a release `cora serve`, with the limits they are compared with, and write results/<store>.md.",
        discussion: "Scenarios: \(Scenarios.names.joined(separator: ", ")). Without any, all of them run.")

    @OptionGroup var store: StoreOption

    @Argument(help: "Scenarios to run")
    var scenarios: [String] = []

    @Option(name: .long, help: "Concurrent clients, comma separated")
    var clients = "1,8,32,64"

    @Option(name: .long, help: "Seconds per measurement")
    var duration = 10

    func run() async throws {
        let kind = try store.kind()
        let names = scenarios.isEmpty ? Scenarios.names : scenarios
        if let unknown = names.first(where: { !Scenarios.names.contains($0) }) { throw ValidationError("unknown scenario \(unknown)") }
        let levels = try clients.split(separator: ",").map { text -> Int in
            guard let level = Int(text), level > 0 else { throw ValidationError("--clients takes positive integers") }
            return level
        }
        if kind == .postgres { try BenchCluster.ensureRunning() }
        var results = Results.load(kind)
        let service = try await ServiceUnderTest.start(kind)
        do {
            let fixtures = try await Fixtures.prepare(kind, service: service)
            for name in names {
                let scenario = try fixtures.scenario(name)
                for level in levels {
                    let promoteIDs = try fixtures.reservePromotions(scenario, clients: level, seconds: duration)
                    var measurement = try Wrk.run(scenario, store: kind, clients: level, seconds: duration, service: service)
                    try promoteIDs.settle(measurement)
                    measurement.scenario = name
                    results.record(measurement)
                    say(Report.line(measurement))
                    for limit in Limits.of(name, store: kind) where !results.measuredThisRun(limit, clients: level) {
                        let measured = try await Limits.measure(limit, store: kind, clients: level, seconds: duration, service: service, fixtures: fixtures)
                        results.record(measured)
                        say(Report.line(measured))
                    }
                }
            }
        } catch {
            service.stop()
            try results.save()
            throw error
        }
        service.stop()
        try results.save()
        say("wrote \(Results.markdownPath(kind).path)")
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the table of the last results of a store.")

    @OptionGroup var store: StoreOption

    func run() async throws {
        say(Results.load(try store.kind()).markdown())
    }

    static func line(_ measurement: Measurement) -> String {
        func ms(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }
        return String(format: "%@ %@ c=%d: %.0f/s p50 %@ ms p95 %@ ms p99 %@ ms p99.9 %@ ms unexpected %d%@", measurement.store, measurement.scenario,
                      measurement.clients, measurement.perSecond, ms(measurement.p50Milliseconds), ms(measurement.p95Milliseconds), ms(measurement.p99Milliseconds),
                      ms(measurement.p999Milliseconds), measurement.unexpected,
                      measurement.serverPeakMiB.map { String(format: " rss %.1f MiB", $0) } ?? "")
    }
}

struct Stop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop the benchmark PostgreSQL cluster.")

    func run() async throws {
        try BenchCluster.stop()
    }
}
