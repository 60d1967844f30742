import CoraKernel
import Foundation

/// The shell of promote, demote and discard: load the Dataset (and, when the decider needs them, its
/// `derived_from` Datasets in one more round trip), decide, append at the loaded version, and return
/// the Dataset as it is after the command.
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
                for id in sources { derived.updateValue(try DatasetEvolve.fold(loaded[StreamID(.dataset, id)] ?? []), forKey: id) }
            }
            let events = try decide(dataset, derived, dependencies.clock.now())
            let appended = try await transaction.append(events.map(DomainEvent.dataset), metadata: dependencies.metadata(caller),
                                                        expectedVersions: [stream: dataset?.version ?? 0])
            return (try applying(events, to: dataset, DatasetEvolve.evolve), appended)
        }
    }
}
