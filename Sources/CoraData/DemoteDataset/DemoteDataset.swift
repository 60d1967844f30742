import CoraKernel
import Foundation

/// Invariants (checked in this order):
/// - the Dataset exists                          → DatasetNotFound (404)
/// - status is not Discarded                     → DatasetCannotDemote reason "discarded"
/// - intent is not already Retracted             → DatasetAlreadyRetracted
/// - intent is Production (not Trial)           → DatasetCannotDemote reason "trial"
/// Emits DatasetDemoted (intent → Retracted).
public enum DemoteDatasetDecider {
    public static func decide(_ command: DatasetReasonInput, _ state: Dataset?, now: Timestamp) throws(DatasetError) -> [DatasetEvent] {
        guard let dataset = state else { throw .notFound(command.datasetID) }
        if dataset.status == .discarded { throw .cannotDemote(dataset.id, .discarded) }
        if dataset.intent == .retracted { throw .alreadyRetracted(dataset.id) }
        guard dataset.intent == .production else { throw .cannotDemote(dataset.id, .trial) }
        return [.demoted(DatasetReasonRecorded(datasetID: dataset.id, reason: command.reason, occurredAt: now))]
    }
}

public struct DemoteDatasetHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// Returns the Dataset after the demotion.
    public func handle(datasetID: String, body: CommandBody, caller: CallContext) async throws -> Dataset {
        try dependencies.authorize(.demoteDataset, caller)
        let command = try DatasetReasonInput(datasetID: datasetID, body: body, invalidReason: DatasetError.invalidDemotionReason)
        return try await DatasetTransition.run(dependencies, caller: caller, datasetID: command.datasetID, loadDerivedFrom: false) { state, _, now in
            try DemoteDatasetDecider.decide(command, state, now: now)
        }
    }
}
