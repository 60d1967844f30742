import CoraKernel
import Foundation

/// One row of `proj_data_dataset_summary`.
public struct DatasetSummaryRow: Sendable, Equatable {
    public let datasetID: UUID
    public let name: String
    public let uri: String
    public let producingRunID: UUID?
    public let subjectID: UUID?
    public let status: DatasetStatus
    /// Sorted, lower-case order.
    public let usedCalibrations: [UUID]
    public let createdAt: Timestamp
    public let updatedAt: Timestamp

    public init(datasetID: UUID, name: String, uri: String, producingRunID: UUID?, subjectID: UUID?, status: DatasetStatus,
                usedCalibrations: [UUID], createdAt: Timestamp, updatedAt: Timestamp) {
        self.datasetID = datasetID
        self.name = name
        self.uri = uri
        self.producingRunID = producingRunID
        self.subjectID = subjectID
        self.status = status
        self.usedCalibrations = usedCalibrations
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The row a fully folded Dataset projects to; what a rebuild compares against.
    public init(_ dataset: Dataset) {
        self.init(datasetID: dataset.id, name: dataset.name.value, uri: dataset.uri.value, producingRunID: dataset.producingRunID,
                  subjectID: dataset.subjectID, status: dataset.status, usedCalibrations: dataset.usedCalibrations.sorted(by: uuidOrder),
                  createdAt: dataset.createdAt, updatedAt: dataset.updatedAt)
    }
}

/// The projection as a pure function: which row change an appended event causes. Stores execute the
/// change with upsert semantics, so replaying events over the table is harmless.
public enum DatasetSummaryChange: Sendable, Equatable {
    case upsert(DatasetSummaryRow)
    case setStatus(datasetID: UUID, status: DatasetStatus, updatedAt: Timestamp)
    case touch(datasetID: UUID, updatedAt: Timestamp)
}

extension DatasetSummaryChange {
    /// The change as a store executes it, on a row held in memory.
    func applied(to row: DatasetSummaryRow?) -> DatasetSummaryRow? {
        switch self {
        case .upsert(let row): return row
        case .setStatus(_, let status, let updatedAt):
            return row.map { DatasetSummaryRow(datasetID: $0.datasetID, name: $0.name, uri: $0.uri, producingRunID: $0.producingRunID, subjectID: $0.subjectID,
                                               status: status, usedCalibrations: $0.usedCalibrations, createdAt: $0.createdAt, updatedAt: updatedAt) }
        case .touch(_, let updatedAt):
            return row.map { DatasetSummaryRow(datasetID: $0.datasetID, name: $0.name, uri: $0.uri, producingRunID: $0.producingRunID, subjectID: $0.subjectID,
                                               status: $0.status, usedCalibrations: $0.usedCalibrations, createdAt: $0.createdAt, updatedAt: updatedAt) }
        }
    }
}

/// `proj_data_dataset_summary` as a pure function of the typed event: one row per Dataset.
public enum DatasetSummaryProjection {
    public static func changes(for event: DatasetEvent) -> [DatasetSummaryChange] {
        switch event {
        case .registered(let registered):
            guard let dataset = DatasetEvolve.evolve(nil, .registered(registered)) else { return [] }
            return [.upsert(DatasetSummaryRow(dataset))]
        case .promoted(let change), .demoted(let change):
            return [.touch(datasetID: change.datasetID, updatedAt: change.occurredAt)]
        case .discarded(let change):
            return [.setStatus(datasetID: change.datasetID, status: .discarded, updatedAt: change.occurredAt)]
        }
    }
}

/// A position in `(created_at, dataset_id)` order.
public struct DatasetListPosition: Sendable, Equatable {
    public let createdAt: Timestamp
    public let datasetID: UUID

    public init(createdAt: Timestamp, datasetID: UUID) {
        self.createdAt = createdAt
        self.datasetID = datasetID
    }
}

public struct DatasetListFilter: Sendable, Equatable {
    public var status: DatasetStatus?
    public var producingRunID: UUID?
    public var subjectID: UUID?
    /// Every id given must be cited.
    public var usedCalibrations: [UUID]
    /// Only the direct children of this Dataset.
    public var derivedFrom: UUID?

    public init(status: DatasetStatus? = nil, producingRunID: UUID? = nil, subjectID: UUID? = nil, usedCalibrations: [UUID] = [], derivedFrom: UUID? = nil) {
        self.status = status
        self.producingRunID = producingRunID
        self.subjectID = subjectID
        self.usedCalibrations = usedCalibrations
        self.derivedFrom = derivedFrom
    }
}

/// The read side of the summary projection.
public protocol DatasetSummaryReader: Sendable {
    /// Rows matching `filter` strictly after `after`, in `(created_at, dataset_id)` order, at most `limit`.
    func listDatasets(_ filter: DatasetListFilter, after: DatasetListPosition?, limit: Int) async throws -> [DatasetSummaryRow]
}
