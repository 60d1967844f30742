import CoraKernel
import Foundation

/// Invariants:
/// - the Dataset exists                          → DatasetNotFound (404)
/// - status is Registered (any intent)           → DatasetCannotDiscard (409)
/// Emits DatasetDiscarded (status → Discarded); metadata and reason are kept.
public enum DiscardDatasetDecider {
    public static func decide(_ command: DatasetReasonInput, _ state: Dataset?, now: Timestamp) throws(DatasetError) -> [DatasetEvent] {
        guard let dataset = state else { throw .notFound(command.datasetID) }
        guard dataset.status == .registered else { throw .cannotDiscard(dataset.id, dataset.status) }
        return [.discarded(DatasetReasonRecorded(datasetID: dataset.id, reason: command.reason, occurredAt: now))]
    }
}

public struct DiscardDatasetHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// Returns the Dataset after the discard.
    public func handle(datasetID: String, body: CommandBody, caller: CallContext) async throws -> Dataset {
        try dependencies.authorize(.discardDataset, caller)
        let command = try DatasetReasonInput(datasetID: datasetID, body: body, invalidReason: DatasetError.invalidDiscardReason)
        return try await DatasetTransition.run(dependencies, caller: caller, datasetID: command.datasetID, loadDerivedFrom: false) { state, _, now in
            try DiscardDatasetDecider.decide(command, state, now: now)
        }
    }
}
