import Foundation

/// The synthetic catalogue: registrations shaped like a beamline's, citing 1-3 calibrations from a pool
/// of 200. wrk/common.lua builds request bodies of the same shape; keep the two in step.
enum Workload {
    static let principal = "b0000000-0000-4000-8000-000000000001"
    static let calibrationPool = 200

    static func calibrationID(_ number: Int) -> String {
        "00000000-0000-4000-8000-" + String(number).leftPadded(to: 12)
    }

    static func registrationBody<G: RandomNumberGenerator>(tag: String, using generator: inout G) -> String {
        var picked = Set<Int>()
        let count = Int.random(in: 1...3, using: &generator)
        while picked.count < count { picked.insert(Int.random(in: 1...calibrationPool, using: &generator)) }
        let calibrations = picked.map { "\"\(calibrationID($0))\"" }.joined(separator: ",")
        let checksum = (0..<4).map { _ in String(UInt64.random(in: .min ... .max, using: &generator), radix: 16).leftPadded(to: 16) }.joined()
        return """
            {"name":"dataset \(tag)","uri":"s3://lab-raw-data/projects/beamline-7/2026/session-\(tag)/scan-0001.h5",\
            "checksum":{"algorithm":"sha256","value":"\(checksum)"},"byte_size":\(Int.random(in: 1_000_000...2_000_000_000, using: &generator)),\
            "encoding":{"media_type":"application/x-hdf5","conforms_to":["https://manual.nexusformat.org/classes/applications/NXtomo.html"]},\
            "used_calibrations":[\(calibrations)]}
            """
    }

    /// Streams `count` registrations into `cora import` (the domain's own path: validation, decider,
    /// store), which prints its progress line as it commits batches.
    static func load(_ store: StoreKind, count: Int, jobs: Int) throws {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw ToolFailure(description: "pipe failed") }
        let log = store.directory.appendingPathComponent("import.log").path
        let pid = try Spawn.start(Paths.cora, ["import", "--database-url", store.databaseURL, "--principal", principal, "--jobs", String(jobs), "-"],
                                  environment: ["CORA_LOG_LEVEL": "warning"], output: log, stdinDescriptor: pipeEnds[0], closeInChild: pipeEnds[1])
        close(pipeEnds[0])
        let writer = FileHandle(fileDescriptor: pipeEnds[1], closeOnDealloc: true)
        var generator = SystemRandomNumberGenerator()
        var chunk = ""
        let tail = TailPrinter(path: log)
        for number in 1...count {
            chunk += registrationBody(tag: "load-\(number)", using: &generator) + "\n"
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
