import CoraKernel
import Foundation

/// The audit log of one Dataset: every event of its stream in version order.
public struct GetDatasetHistory: Sendable, Equatable {
    public let datasetID: UUID
    public init(datasetID: UUID) { self.datasetID = datasetID }
}

public struct DatasetHistory: Sendable, Equatable {
    public let datasetID: UUID
    public let events: [RecordedEvent]
}

public struct GetDatasetHistoryHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(_ query: GetDatasetHistory) async throws -> DatasetHistory {
        let events = try await dependencies.store.readStream(StreamID(.dataset, query.datasetID))
        guard !events.isEmpty else { throw DatasetError.notFound(query.datasetID) }
        return DatasetHistory(datasetID: query.datasetID, events: events)
    }
}
