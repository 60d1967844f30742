import Foundation

/// One measured run: a scenario (or a limit) at one concurrency.
struct Measurement: Codable, Sendable {
    var store: String
    var scenario: String
    var clients: Int
    var requests: Int
    var seconds: Double
    var p50Milliseconds: Double?
    var p95Milliseconds: Double?
    var p99Milliseconds: Double?
    var p999Milliseconds: Double?
    /// Answers by HTTP status; empty for limits.
    var statuses: [String: Int] = [:]
    /// Answers outside the scenario's expected statuses, plus socket errors.
    var unexpected: Int = 0
    var serverPeakMiB: Double?

    var perSecond: Double { seconds > 0 ? Double(requests) / seconds : 0 }
}

/// A load scenario: a wrk script, the files it draws from, and what a correct answer is.
struct Scenario: Sendable {
    let name: String
    let script: String
    let environment: [String: String]
    let expected: Set<Int>
    /// Unpromoted ids the script consumes per second of run and per client (promote and mixed).
    let promotesPerSecond: Int
}

enum Wrk {
    private struct Output: Decodable {
        let requests: Int
        let duration_us: Int
        let p50_us: Int
        let p95_us: Int
        let p99_us: Int
        let p999_us: Int
        let statuses: [String: Int]
        let socket_errors: Int
    }

    /// Runs wrk against the service with `clients` connections (two threads when there are two or more).
    static func run(_ scenario: Scenario, store: StoreKind, clients: Int, seconds: Int, service: ServiceUnderTest) throws -> Measurement {
        let script = Paths.wrkScripts.appendingPathComponent(scenario.script).path
        var environment = scenario.environment
        environment["CORA_BENCH_LUA"] = Paths.wrkScripts.path
        environment["CORA_BENCH_PRINCIPAL"] = Workload.principal
        environment["CORA_BENCH_THREADS"] = String(min(2, clients))
        Memory.resetPeak(service.pid)
        let text = try Spawn.run("wrk", ["-t", environment["CORA_BENCH_THREADS"] ?? "1", "-c", String(clients), "-d", "\(seconds)s", "--timeout", "10s",
                                         "-s", script, service.baseURL], environment: environment)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("BENCH ") }),
              let output = try? JSONDecoder().decode(Output.self, from: Data(line.dropFirst(6).utf8))
        else { throw ToolFailure(description: "no BENCH line from wrk: \(text)") }
        let unexpected = output.statuses.filter { !scenario.expected.contains(Int($0.key) ?? 0) }.values.reduce(0, +) + output.socket_errors
        return Measurement(store: store.rawValue, scenario: scenario.name, clients: clients, requests: output.requests,
                           seconds: Double(output.duration_us) / 1e6, p50Milliseconds: Double(output.p50_us) / 1000,
                           p95Milliseconds: Double(output.p95_us) / 1000, p99Milliseconds: Double(output.p99_us) / 1000, p999Milliseconds: Double(output.p999_us) / 1000,
                           statuses: output.statuses, unexpected: unexpected, serverPeakMiB: Memory.peakMiB(service.pid))
    }
}

enum Pgbench {
    /// Runs one of pgbench/*.sql against cora_limits with the protocol the store uses for those statements
    /// (named prepared statements, except the list query, whose text varies with its filters and is sent
    /// as an unnamed statement) and returns its transactions per second.
    static func run(script: String, clients: Int, seconds: Int) throws -> Measurement {
        try run(name: script, files: [Paths.pgbenchScripts.appendingPathComponent(script + ".sql").path], database: "cora_limits",
                mode: script == "list" ? "extended" : "prepared", clients: clients, seconds: seconds)
    }

    /// pgbench over `files` (each chosen with equal weight per transaction) on `database`.
    static func run(name script: String, files: [String], database: String, mode: String, variables: [String: String] = [:],
                    clients: Int, seconds: Int, reportedAs: String? = nil) throws -> Measurement {
        guard !files.isEmpty else { throw ToolFailure(description: "no pgbench scripts for \(script)") }
        let text = try Spawn.run(BenchCluster.bin + "/pgbench", ["-n", "-M", mode, "-c", String(clients), "-j", String(min(2, clients)), "-T", String(seconds)]
                                 + files.flatMap { ["-f", $0] } + variables.flatMap { ["-D", "\($0.key)=\($0.value)"] } + [BenchCluster.url(database: database)])
        func number(after prefix: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(prefix) }
                .flatMap { Double($0.dropFirst(prefix.count).split(separator: " ").first ?? "") }
        }
        guard let tps = number(after: "tps = "), let processed = number(after: "number of transactions actually processed: ") else {
            throw ToolFailure(description: "unexpected pgbench output: \(text)")
        }
        let failed = Int(number(after: "number of failed transactions: ") ?? 0)
        return Measurement(store: StoreKind.postgres.rawValue, scenario: reportedAs ?? "pgbench " + script, clients: clients, requests: Int(processed),
                           seconds: processed / max(tps, 1), p50Milliseconds: nil, p95Milliseconds: nil, p99Milliseconds: nil, p999Milliseconds: nil,
                           statuses: [:], unexpected: failed, serverPeakMiB: nil)
    }
}

enum Percentile {
    static func of(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }
}
