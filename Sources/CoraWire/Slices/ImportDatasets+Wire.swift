import CoraData
import CoraKernel
import Foundation

/// One non-empty line of an NDJSON import, numbered from 1.
public struct ImportLine: Sendable {
    public let number: Int
    public let bytes: [UInt8]

    public init(number: Int, bytes: [UInt8]) {
        self.number = number
        self.bytes = bytes
    }
}

extension Slices {
    /// `cora import`: a batch of RegisterDataset bodies, authorized as RegisterDataset. Each line is read
    /// whole (shape, then values) in order, so the first bad line answers and is named.
    public static let importDatasets = Slice<[ImportLine], ImportDatasets, [UUID]>(
        .registerDataset, refusals: Slices.registerDataset.refusals
    ) { lines in
        var commands: [ImportDatasets.Line] = []
        for line in lines {
            do {
                var body = try CommandBody.bytes(line.bytes).object()
                commands.append(ImportDatasets.Line(number: line.number, command: try RegisterDatasetBody.read(&body)()))
            } catch let refused as any ProblemReportable {
                throw ImportLineError(line: line.number, underlying: refused)
            }
        }
        let command = ImportDatasets(lines: commands)
        return { command }
    } handle: { dependencies, command, _, caller in
        try await ImportDatasetsHandler(dependencies).handle(command, caller: caller)
    }
}
