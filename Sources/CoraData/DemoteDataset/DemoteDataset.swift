import CoraKernel
import Foundation

/// Retract a Production Dataset (intent → Retracted, terminal), with an audit reason.
public struct DemoteDataset: Sendable, Equatable {
    public let datasetID: UUID
    public let reason: Reason

    public init(datasetID: UUID, reason: String) throws(DatasetError) {
        self.datasetID = datasetID
        self.reason = try Reason(reason, orThrow: DatasetError.invalidDemotionReason)
    }
}

public struct DemoteDatasetContext: Sendable, Equatable {
    public let now: Timestamp
    public init(now: Timestamp) { self.now = now }
}
