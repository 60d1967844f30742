import CoraKernel
import Foundation

/// A batch of registrations, each with the input line it came from, registered whole or not at all.
public struct ImportDatasets: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public let number: Int
        public let command: RegisterDataset
        public init(number: Int, command: RegisterDataset) {
            self.number = number
            self.command = command
        }
    }

    public let lines: [Line]
    public init(lines: [Line]) { self.lines = lines }
}

/// A registration the import refused, with the input line it came from.
public struct ImportLineError: Error, Sendable, ProblemReportable {
    public let line: Int
    public let underlying: any ProblemReportable

    public init(line: Int, underlying: any ProblemReportable) {
        self.line = line
        self.underlying = underlying
    }

    public var problem: Problem { underlying.problem }
}

/// Registers many Datasets in one transaction per batch: each line is decided by the RegisterDataset
/// decider, so an import can hold nothing a request could not have written. Used for migrations from
/// older catalogues and to load benchmark volumes.
public struct ImportDatasetsHandler: Sendable {
    let dependencies: ServiceDependencies

    public init(_ dependencies: ServiceDependencies) {
        self.dependencies = dependencies
    }

    /// Returns the new ids in line order.
    public func handle(_ command: ImportDatasets, caller: CallContext) async throws -> [UUID] {
        let generator = dependencies.ids
        var lines: [NumberedRegistration] = []
        for line in command.lines { lines.append(NumberedRegistration(line: line, datasetID: generator.next())) }
        let ids = lines.map(\.datasetID)
        let metadata = dependencies.metadata(caller)
        let clock = dependencies.clock
        return try await dependencies.write { [lines] transaction in
            var streams = Set<StreamID>()
            for registration in lines { streams.formUnion(registration.line.command.streams(datasetID: registration.datasetID)) }
            let loaded = try await transaction.load(Array(streams))
            let events = try Self.decide(lines, loaded: loaded, now: clock.now())
            let expected = Dictionary(uniqueKeysWithValues: ids.map { (StreamID(.dataset, $0), 0) })
            let appended = try await transaction.append(events.map(DomainEvent.dataset), metadata: metadata, expectedVersions: expected)
            return (ids, appended)
        }
    }

    /// Each line's decision in order; a later line sees the Datasets earlier lines registered.
    private struct NumberedRegistration: Sendable {
        let line: ImportDatasets.Line
        let datasetID: UUID
    }

    private static func decide(_ lines: [NumberedRegistration], loaded: [StreamID: [RecordedEvent]], now: Timestamp) throws -> [DatasetEvent] {
        var registered: [UUID: Dataset] = [:]
        var events: [DatasetEvent] = []
        for registration in lines {
            let line = registration.line, datasetID = registration.datasetID
            let (state, context) = try RegisterDatasetContext.folding(line.command, datasetID: datasetID, loaded: loaded, now: now, registeredEarlier: registered)
            let decided: [DatasetEvent]
            do { decided = try RegisterDatasetDecider.decide(line.command, state, context) } catch { throw ImportLineError(line: line.number, underlying: error) }
            registered[datasetID] = try applying(decided, to: state, DatasetEvolve.evolve)
            events += decided
        }
        return events
    }
}
