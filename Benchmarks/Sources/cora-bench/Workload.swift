import Foundation

/// The synthetic catalogue: registrations shaped like a beamline's, citing 1-3 calibrations from a pool
/// of 200. wrk/common.lua builds request bodies of the same shape; keep the two in step.
enum Workload {
    static let principal = "b0000000-0000-4000-8000-000000000001"
    static let calibrationPool = 200

    static func calibrationID(_ number: Int) -> String {
        "00000000-0000-4000-8000-" + String(number).leftPadded(to: 12)
    }

    static func registrationBody<G: RandomNumberGenerator>(tag: String, name: String? = nil, derivedFrom: [String] = [], using generator: inout G) -> String {
        var picked = Set<Int>()
        let count = Int.random(in: 1...3, using: &generator)
        while picked.count < count { picked.insert(Int.random(in: 1...calibrationPool, using: &generator)) }
        let calibrations = picked.map { "\"\(calibrationID($0))\"" }.joined(separator: ",")
        let checksum = (0..<4).map { _ in String(UInt64.random(in: .min ... .max, using: &generator), radix: 16).leftPadded(to: 16) }.joined()
        let parents = derivedFrom.isEmpty ? "" : ",\"derived_from\":[" + derivedFrom.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        return """
            {"name":"\(name ?? "dataset \(tag)")","uri":"s3://lab-raw-data/projects/beamline-7/2026/session-\(tag)/scan-0001.h5",\
            "checksum":{"algorithm":"sha256","value":"\(checksum)"},"byte_size":\(Int.random(in: 1_000_000...2_000_000_000, using: &generator)),\
            "encoding":{"media_type":"application/x-hdf5","conforms_to":["https://manual.nexusformat.org/classes/applications/NXtomo.html"]},\
            "used_calibrations":[\(calibrations)]\(parents)}
            """
    }

    /// The facility's shape, by share of the catalogue: raw acquisitions (one of them the flat-field
    /// reference every tenth reconstruction also derives from), reconstructions of raws, segmentations of
    /// reconstructions, analyses of segmentations (a fifth of them of two). Each generation's parents
    /// are a random subset of the one before, 1 to `fanOut` children each, so chains run raw →
    /// reconstruction → segmentation → analysis with fan-out up to 20.
    enum Generation: String, CaseIterable {
        case raw, reconstruction, segmentation, analysis

        var share: Double { [0.70, 0.20, 0.07, 0.03][Self.allCases.firstIndex(of: self)!] }
        /// Children per parent, drawn uniformly.
        var fanOut: ClosedRange<Int> { [1...1, 1...7, 1...6, 1...5][Self.allCases.firstIndex(of: self)!] }
    }

    static let hubName = "flat-field reference"

    /// Streams the catalogue into `cora import` (the domain's own path: validation, decider, store), one
    /// generation per import so each can name the ids the one before was given; about 30 % is derived.
    static func load(_ store: StoreKind, count: Int, jobs: Int) throws {
        var generator = SystemRandomNumberGenerator()
        var previous: [String] = []
        var hub = ""
        for generation in Generation.allCases {
            let size = max(1, Int(Double(count) * generation.share))
            var parents: [[String]] = []
            if generation != .raw {
                var pool = previous.shuffled(using: &generator)[...]
                while parents.count < size, let parent = pool.popFirst() {
                    for _ in 0..<Int.random(in: generation.fanOut, using: &generator) { parents.append([parent]) }
                }
                parents = Array(parents.prefix(size)).shuffled(using: &generator)
                for index in parents.indices {
                    if generation == .reconstruction, index % 10 == 0 { parents[index].append(hub) }
                    if generation == .analysis, index % 5 == 0, let other = previous.randomElement(using: &generator), other != parents[index][0] {
                        parents[index].append(other)
                    }
                }
            }
            say("registering \(parents.isEmpty ? size : parents.count) \(generation.rawValue) datasets")
            try importLines(store, jobs: jobs, name: generation.rawValue, count: parents.isEmpty ? size : parents.count) { number, generator in
                let name = generation == .raw && number == 1 ? hubName : "\(generation.rawValue) \(number)"
                return registrationBody(tag: "\(generation.rawValue)-\(number)", name: name,
                                        derivedFrom: parents.isEmpty ? [] : parents[number - 1], using: &generator)
            }
            previous = try FixtureQueries.lines(store, "SELECT dataset_id FROM proj_data_dataset_summary WHERE name LIKE '\(generation.rawValue) %'")
            if generation == .raw { hub = try FixtureQueries.lines(store, "SELECT dataset_id FROM proj_data_dataset_summary WHERE name = '\(hubName)'").first ?? "" }
        }
    }

    /// One `cora import` of `count` lines made by `line`, which prints its progress line as it commits batches.
    static func importLines(_ store: StoreKind, jobs: Int, name: String, count: Int,
                            _ line: (Int, inout SystemRandomNumberGenerator) -> String) throws {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw ToolFailure(description: "pipe failed") }
        let log = store.directory.appendingPathComponent("import-\(name).log").path
        let pid = try Spawn.start(Paths.cora, ["import", "--database-url", store.databaseURL, "--principal", principal, "--jobs", String(jobs), "-"],
                                  environment: ["CORA_LOG_LEVEL": "warning"], output: log, stdinDescriptor: pipeEnds[0], closeInChild: pipeEnds[1])
        close(pipeEnds[0])
        let writer = FileHandle(fileDescriptor: pipeEnds[1], closeOnDealloc: true)
        var generator = SystemRandomNumberGenerator()
        var chunk = ""
        let tail = TailPrinter(path: log)
        for number in 1...count {
            chunk += line(number, &generator) + "\n"
            if number % 5_000 == 0 || number == count {
                try writer.write(contentsOf: Data(chunk.utf8))
                chunk = ""
                tail.printNewLines()
            }
        }
        try writer.close()
        let status = Spawn.wait(pid)
        tail.printNewLines()
        guard status == 0 else { throw ToolFailure(description: "cora import exited \(status); see \(log)") }
    }
}

/// Echoes lines a child appends to its log file (the importer's progress lines).
final class TailPrinter {
    let path: String
    var offset = 0

    init(path: String) {
        self.path = path
        offset = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    }

    func printNewLines() {
        guard let handle = FileHandle(forReadingAtPath: path) else { return }
        defer { try? handle.close() }
        try? handle.seek(toOffset: UInt64(offset))
        let data = (try? handle.readToEnd()) ?? Data()
        offset += data.count
        if !data.isEmpty { FileHandle.standardOutput.write(data) }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
