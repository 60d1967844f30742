import Foundation

enum Scenarios {
    static let names = ["healthz", "get", "list", "list-page1000", "list-cal", "list-cal10", "list-cal10-page1000", "register", "promote", "mixed",
                        "lineage", "impact", "list-derived10", "list-derived10-page1000", "page-lineage200"]
}

/// The files wrk scripts draw from, built once per loaded database (list cursors need the server).
struct Fixtures {
    let store: StoreKind
    var directory: URL { store.directory.appendingPathComponent("fixtures") }

    private func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func prepare(_ store: StoreKind, service: ServiceUnderTest) async throws -> Fixtures {
        let fixtures = Fixtures(store: store)
        try FileManager.default.createDirectory(at: fixtures.directory, withIntermediateDirectories: true)
        try await fixtures.build(service)
        return fixtures
    }

    private func write(_ name: String, _ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: file(name), atomically: true, encoding: .utf8)
    }

    private func build(_ service: ServiceUnderTest) async throws {
        let fileManager = FileManager.default
        if !fileManager.fileExists(atPath: file("loaded-ids.txt")) {
            // In list order: promote takes them from the front, each id once across runs.
            let ids = try FixtureQueries.lines(store, "SELECT dataset_id FROM proj_data_dataset_summary ORDER BY created_at, dataset_id")
            guard !ids.isEmpty else { throw ToolFailure(description: "no datasets in \(store.databaseURL): run `cora-bench load --store \(store.rawValue)` first") }
            try write("loaded-ids.txt", ids)
            try write("get.txt", (0..<10_000).map { _ in "/datasets/" + ids[Int.random(in: 0..<ids.count)] })
            try "0".write(toFile: file("promoted-offset"), atomically: true, encoding: .utf8)
        }
        try write("healthz.txt", ["/healthz"])
        try write("list.txt", ["/datasets?limit=50"])
        try write("list-cal.txt", (1...Workload.calibrationPool).map { "/datasets?used_calibrations=\(Workload.calibrationID($0))&limit=50" })
        if !fileManager.fileExists(atPath: file("list-cal10-page1000.txt")) {
            say("walking 1,000 pages of list queries for the page-1000 fixtures…")
            guard let deep = try await service.pagePath("limit=50", page: 1000) else { throw ToolFailure(description: "fewer than 1,000 pages of 50") }
            try write("list-page1000.txt", [deep])
            // Calibrations cited by at least 10,000 datasets have a page 1,000 at 10 per page.
            var first: [String] = [], deepFiltered: [String] = []
            for number in 1...Workload.calibrationPool where deepFiltered.count < 8 {
                let query = "used_calibrations=\(Workload.calibrationID(number))&limit=10"
                if let path = try await service.pagePath(query, page: 1000) {
                    first.append("/datasets?" + query)
                    deepFiltered.append(path)
                }
            }
            guard !deepFiltered.isEmpty else { throw ToolFailure(description: "no calibration has 1,000 pages of 10") }
            try write("list-cal10.txt", first)
            try write("list-cal10-page1000.txt", deepFiltered)
        }
        try await buildGraphFixtures(service)
        // The catalog page of the flat-field reference: its lineage walk stops at 200 nodes.
        if let hub = try FixtureQueries.lines(store, "SELECT dataset_id FROM proj_data_dataset_summary WHERE name = '\(Workload.hubName)'").first {
            try write("page-lineage200.txt", ["/ui/datasets/\(hub)"])
        }
    }

    /// Lineage roots (reconstructions and segmentations: ancestors and descendants both), the 200
    /// revisions' impact, the flat-field reference's children page 1 and 1,000, and the pgbench replays.
    private func buildGraphFixtures(_ service: ServiceUnderTest) async throws {
        guard !FileManager.default.fileExists(atPath: file("lineage.txt")) else { return }
        let roots = try FixtureQueries.lines(store, "SELECT dataset_id FROM proj_data_dataset_summary WHERE name LIKE 'reconstruction %' OR name LIKE 'segmentation %'")
        guard let hub = try FixtureQueries.lines(store, "SELECT dataset_id FROM proj_data_dataset_summary WHERE name = '\(Workload.hubName)'").first, !roots.isEmpty else {
            throw ToolFailure(description: "no lineage in \(store.databaseURL): run `cora-bench load --store \(store.rawValue)` first")
        }
        let sample = (0..<2_000).map { _ in roots[Int.random(in: 0..<roots.count)] }
        try write("lineage.txt", sample.map { "/datasets/\($0)/lineage" })
        let impact = (1...Workload.calibrationPool).map { "/calibration-revisions/\(Workload.calibrationID($0))/impact?depth=2&max_nodes=500" }
        try write("impact.txt", impact)
        try write("list-derived10.txt", ["/datasets?derived_from=\(hub)&limit=10"])
        say("walking 1,000 pages of the flat-field reference's children…")
        guard let deep = try await service.pagePath("derived_from=\(hub)&limit=10", page: 1000) else { throw ToolFailure(description: "the hub has fewer than 1,000 pages of 10 children") }
        try write("list-derived10-page1000.txt", [deep])
        guard store == .postgres else { return }
        for (index, root) in sample.prefix(20).enumerated() {
            let answer = try await service.json("/datasets/\(root)/lineage")
            try GraphScripts.lineage(answer, root: root).write(toFile: file("pgbench-lineage-\(index).sql"), atomically: true, encoding: .utf8)
        }
        for number in 1...20 {
            let revision = Workload.calibrationID(number)
            let answer = try await service.json("/calibration-revisions/\(revision)/impact?depth=2&max_nodes=500")
            try GraphScripts.impact(answer, revision: revision, maxNodes: 500).write(toFile: file("pgbench-impact-\(number).sql"), atomically: true, encoding: .utf8)
        }
        try "\(hub)\n".write(toFile: file("hub.txt"), atomically: true, encoding: .utf8)
    }

    /// The pgbench replays of one scenario's walks.
    func pgbenchScripts(_ kind: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("pgbench-\(kind)-") }.sorted().map(file)
    }

    var hub: String { (try? String(contentsOfFile: file("hub.txt"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }

    func scenario(_ name: String) throws -> Scenario {
        func urls(_ fileName: String) -> Scenario {
            Scenario(name: name, script: "urls.lua", environment: ["CORA_BENCH_URLS": file(fileName)], expected: [200], promotesPerSecond: 0)
        }
        switch name {
        case "register": return Scenario(name: name, script: "register.lua", environment: [:], expected: [201], promotesPerSecond: 0)
        case "promote":
            return Scenario(name: name, script: "promote.lua", environment: ["CORA_BENCH_IDS": file("promote-ids.txt")], expected: [204],
                            promotesPerSecond: 15_000)
        case "mixed":
            return Scenario(name: name, script: "mixed.lua", environment: [
                "CORA_BENCH_IDS": file("promote-ids.txt"), "CORA_BENCH_GET_URLS": file("get.txt"), "CORA_BENCH_LIST_URLS": file("list-cal.txt"),
            ], expected: [200, 201, 204], promotesPerSecond: 2_000)
        case "get": return urls("get.txt")
        default: return urls(name + ".txt")
        }
    }

    /// Ids nobody has promoted, for a run that promotes: written to promote-ids.txt. Settling moves the
    /// shared offset past what the run may have used, so no later run promotes a dataset twice.
    struct Reservation {
        let offsetFile: String
        let start: Int
        let promoteShare: Double

        func settle(_ measurement: Measurement) throws {
            guard promoteShare > 0 else { return }
            // wrk threads take every other id; allow for one running ahead of the other.
            let used = Int(Double(measurement.requests) * promoteShare * 1.25) + 1_000
            try String(start + used).write(toFile: offsetFile, atomically: true, encoding: .utf8)
        }
    }

    func reservePromotions(_ scenario: Scenario, clients: Int, seconds: Int) throws -> Reservation {
        let offsetFile = file("promoted-offset")
        guard scenario.promotesPerSecond > 0 else { return Reservation(offsetFile: offsetFile, start: 0, promoteShare: 0) }
        let start = Int((try? String(contentsOfFile: offsetFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0
        let wanted = scenario.promotesPerSecond * seconds
        let ids = try String(contentsOfFile: file("loaded-ids.txt"), encoding: .utf8).split(separator: "\n")
        guard start + wanted <= ids.count else {
            throw ToolFailure(description: "only \(ids.count - start) unpromoted datasets left: run `cora-bench load --store \(store.rawValue)` again")
        }
        try write("promote-ids.txt", ids[start..<(start + wanted)].map(String.init))
        return Reservation(offsetFile: offsetFile, start: start, promoteShare: scenario.name == "promote" ? 1 : 0.05)
    }
}
