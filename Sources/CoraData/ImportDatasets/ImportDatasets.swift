import CoraKernel
import Foundation

/// A registration the import refused, with the input line it came from.
public struct ImportLineError: Error, Sendable, ProblemReportable {
    public let line: Int
    public let underlying: any ProblemReportable

    public var problem: Problem { underlying.problem }
}

/// Registers many datasets in one transaction per batch: each line is a RegisterDataset body, decided by
/// the same decider as `POST /datasets`, so an import can hold nothing a request could not have written.
/// Used for migrations from older catalogues and to load benchmark volumes.
public struct ImportDatasetsHandler: Sendable {
    let dependencies: ServiceDependencies

    public init(_ dependencies: ServiceDependencies) {
        self.dependencies = dependencies
    }

    /// Registers every body of `batch` (input line number, body) or none of them; returns the new ids in order.
    /// A line that may not be registered throws `ImportLineError` naming it.
    public func handle(_ batch: [(line: Int, body: CommandBody)], caller: CallContext) async throws -> [UUID] {
        try dependencies.authorize(.registerDataset, caller)
        var commands: [(line: Int, command: RegisterDataset, datasetID: UUID)] = []
        for (line, body) in batch {
            let command: RegisterDataset
            do { command = try RegisterDataset(body: body) } catch let error as any ProblemReportable { throw ImportLineError(line: line, underlying: error) }
            commands.append((line, command, dependencies.ids.next()))
        }
        let dependencies = self.dependencies
        let validated = commands
        return try await dependencies.write { transaction in
            let loaded = try await transaction.load(Self.streams(validated.map { ($0.command, $0.datasetID) }))
            let events = try Self.decide(validated, loaded: loaded, now: dependencies.clock.now())
            let expected = Dictionary(uniqueKeysWithValues: validated.map { (StreamID(.dataset, $0.datasetID), 0) })
            let appended = try await transaction.append(events, metadata: dependencies.metadata(caller), expectedVersions: expected)
            return (validated.map(\.datasetID), appended)
        }
    }

    /// Each line's decision in order; a later line sees the datasets earlier lines registered.
    static func decide(_ commands: [(line: Int, command: RegisterDataset, datasetID: UUID)], loaded: [StreamID: [RecordedEvent]],
                       now: Timestamp) throws -> [PendingEvent] {
        var registered: [UUID: Dataset] = [:]
        var events: [PendingEvent] = []
        for (line, command, datasetID) in commands {
            let context = try RegisterDatasetHandler.context(command, datasetID: datasetID, loaded: loaded, now: now, registeredEarlier: registered)
            let decided: [DatasetEvent]
            do { decided = try RegisterDatasetDecider.decide(command, context) } catch { throw ImportLineError(line: line, underlying: error) }
            for event in decided { registered[datasetID] = DatasetEvolve.evolve(registered[datasetID], event) }
            events += decided.map(\.pending)
        }
        return events
    }

    /// Every stream the batch's decisions read, once each.
    static func streams(_ commands: [(RegisterDataset, UUID)]) -> [StreamID] {
        var streams = Set<StreamID>()
        for (command, datasetID) in commands { streams.formUnion(RegisterDatasetHandler.streams(command, datasetID: datasetID)) }
        return Array(streams)
    }
}
