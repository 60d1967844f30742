import CoraKernel
import Foundation

/// Promote a Dataset's intent from Trial to Production, with an audit reason.
public struct PromoteDataset: Sendable, Equatable {
    public let datasetID: UUID
    public let reason: Reason

    public init(datasetID: UUID, reason: String) throws(DatasetError) {
        self.datasetID = datasetID
        self.reason = try Reason(reason, orThrow: DatasetError.invalidPromotionReason)
    }
}

/// What the decider reads beside the Dataset: its `derived_from` Datasets (`nil` for an empty stream).
public struct PromoteDatasetContext: Sendable, Equatable {
    public let derivedFrom: [UUID: Dataset?]
    public let now: Timestamp

    public init(derivedFrom: [UUID: Dataset?] = [:], now: Timestamp) {
        self.derivedFrom = derivedFrom
        self.now = now
    }
}
