import CoraKernel
import Foundation

/// The lifecycle axis: Registered is genesis, Discarded is terminal (bytes deleted, record kept).
public enum DatasetStatus: String, Sendable, Hashable, CaseIterable {
    case registered = "Registered"
    case discarded = "Discarded"
}

/// The trust axis. Open on purpose (the seed's "open StrEnum"): future values land additively, so a
/// stored value this build does not know still folds and shows.
public struct Intent: RawRepresentable, Sendable, Hashable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let trial = Intent(rawValue: "Trial")
    public static let production = Intent(rawValue: "Production")
    public static let retracted = Intent(rawValue: "Retracted")
}

/// The Dataset aggregate's folded state.
public struct Dataset: Sendable, Equatable {
    public let id: UUID
    public let name: DatasetName
    public let uri: DatasetURI
    public let checksum: DatasetChecksum
    public let byteSize: DatasetByteSize
    public let encoding: DatasetEncoding
    public let producingRunID: UUID?
    /// The producing Run's terminal status when the Dataset was registered; captured, never recomputed.
    public let producingRunEndState: RunEndState?
    public let subjectID: UUID?
    public let derivedFrom: Set<UUID>
    public let usedCalibrations: Set<UUID>
    public internal(set) var status: DatasetStatus
    public internal(set) var intent: Intent
    public let createdAt: Timestamp
    public internal(set) var updatedAt: Timestamp
    public internal(set) var version: Int
}
