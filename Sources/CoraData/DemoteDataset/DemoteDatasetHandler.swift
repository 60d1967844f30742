import CoraKernel
import Foundation

public struct DemoteDatasetHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// Returns the Dataset after the demotion.
    public func handle(_ command: DemoteDataset, caller: CallContext) async throws -> Dataset {
        try await DatasetTransition.run(dependencies, caller: caller, datasetID: command.datasetID, loadDerivedFrom: false) { state, _, now in
            try DemoteDatasetDecider.decide(command, state, DemoteDatasetContext(now: now))
        }
    }
}
