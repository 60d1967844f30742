import CoraKernel
import Foundation

/// Invariants:
/// - the Dataset exists                          → DatasetNotFound (404)
/// - status is Registered (any intent)           → DatasetCannotDiscard (409)
/// Emits DatasetDiscarded (status → Discarded); metadata and reason are kept.
public enum DiscardDatasetDecider {
    public static func decide(_ command: DiscardDataset, _ state: Dataset?, _ context: DiscardDatasetContext) throws(DatasetError) -> [DatasetEvent] {
        guard let dataset = state else { throw .notFound(command.datasetID) }
        guard dataset.status == .registered else { throw .cannotDiscard(dataset.id, dataset.status) }
        return [.discarded(DatasetReasonRecorded(datasetID: dataset.id, reason: command.reason, occurredAt: context.now))]
    }
}
