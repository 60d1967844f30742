import CoraKernel
import Foundation

/// The Dataset as its events fold.
public struct GetDataset: Sendable, Equatable {
    public let datasetID: UUID
    public init(datasetID: UUID) { self.datasetID = datasetID }
}

public struct GetDatasetHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(_ query: GetDataset) async throws -> Dataset {
        guard let dataset = try DatasetEvolve.fold(try await dependencies.store.readStream(StreamID(.dataset, query.datasetID))) else {
            throw DatasetError.notFound(query.datasetID)
        }
        return dataset
    }
}
