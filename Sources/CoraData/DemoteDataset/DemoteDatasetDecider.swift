import CoraKernel
import Foundation

/// Invariants (checked in this order):
/// - the Dataset exists                          → DatasetNotFound (404)
/// - status is not Discarded                     → DatasetCannotDemote reason "discarded"
/// - intent is not already Retracted             → DatasetAlreadyRetracted
/// - intent is Production (not Trial)            → DatasetCannotDemote reason "trial"
/// Emits DatasetDemoted (intent → Retracted).
public enum DemoteDatasetDecider {
    public static func decide(_ command: DemoteDataset, _ state: Dataset?, _ context: DemoteDatasetContext) throws(DatasetError) -> [DatasetEvent] {
        guard let dataset = state else { throw .notFound(command.datasetID) }
        if dataset.status == .discarded { throw .cannotDemote(dataset.id, .discarded) }
        if dataset.intent == .retracted { throw .alreadyRetracted(dataset.id) }
        guard dataset.intent == .production else { throw .cannotDemote(dataset.id, .trial) }
        return [.demoted(DatasetReasonRecorded(datasetID: dataset.id, reason: command.reason, occurredAt: context.now))]
    }
}
