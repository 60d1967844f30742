import CoraKernel
import Foundation

/// The shared input of promote, demote and discard: a dataset id in the path and `{"reason": …}`.
public struct DatasetReasonInput: Sendable {
    public let datasetID: UUID
    public let reason: Reason

    public init(datasetID: UUID, reason: Reason) {
        self.datasetID = datasetID
        self.reason = reason
    }

    /// Shape (422) then the reason value (400), with the slice's own reason error.
    init(datasetID rawID: String, body: CommandBody, invalidReason: (String) -> DatasetError) throws {
        let datasetID = try parsePathUUID(rawID, name: "dataset_id")
        var reader = try body.parsedObject()
        let reason = try reader.requiredString("reason")
        try reader.rejectUnknownMembers()
        self.datasetID = datasetID
        self.reason = try Reason(reason, orThrow: invalidReason)
    }
}

/// Load one Dataset (and, when the decider needs them, its `derived_from` Datasets in one more round
/// trip), decide, append at the loaded version, and return the Dataset as it is after the command.
enum DatasetTransition {
    static func run(
        _ dependencies: ServiceDependencies, caller: CallContext, datasetID: UUID, loadDerivedFrom: Bool,
        decide: @escaping @Sendable (Dataset?, [UUID: Dataset?], Timestamp) throws -> [DatasetEvent]
    ) async throws -> Dataset {
        try await dependencies.write { transaction in
            let stream = StreamID(.dataset, datasetID)
            let dataset = try DatasetEvolve.fold(try await transaction.load([stream])[stream] ?? [])
            var derived: [UUID: Dataset?] = [:]
            if loadDerivedFrom, let sources = dataset?.derivedFrom, !sources.isEmpty {
                let loaded = try await transaction.load(sources.map { StreamID(.dataset, $0) })
                for id in sources { derived[id] = try DatasetEvolve.fold(loaded[StreamID(.dataset, id)] ?? []) }
            }
            let events = try decide(dataset, derived, dependencies.clock.now())
            let appended = try await transaction.append(events.map(\.pending), metadata: dependencies.metadata(caller),
                                                        expectedVersions: [stream: dataset?.version ?? 0])
            guard let after = events.reduce(dataset, DatasetEvolve.evolve) else { throw DatasetError.notFound(datasetID) }
            return (after, appended)
        }
    }
}
