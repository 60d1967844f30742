import CoraKernel
import Foundation

/// Record that a Dataset's bytes were deleted from storage (status → Discarded, terminal), with a reason.
public struct DiscardDataset: Sendable, Equatable {
    public let datasetID: UUID
    public let reason: Reason

    public init(datasetID: UUID, reason: String) throws(DatasetError) {
        self.datasetID = datasetID
        self.reason = try Reason(reason, orThrow: DatasetError.invalidDiscardReason)
    }
}

public struct DiscardDatasetContext: Sendable, Equatable {
    public let now: Timestamp
    public init(now: Timestamp) { self.now = now }
}
