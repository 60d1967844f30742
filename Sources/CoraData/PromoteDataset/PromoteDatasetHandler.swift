import CoraKernel
import Foundation

public struct PromoteDatasetHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// Returns the Dataset after the promotion.
    public func handle(_ command: PromoteDataset, caller: CallContext) async throws -> Dataset {
        try await DatasetTransition.run(dependencies, caller: caller, datasetID: command.datasetID, loadDerivedFrom: true) { state, derived, now in
            try PromoteDatasetDecider.decide(command, state, PromoteDatasetContext(derivedFrom: derived, now: now))
        }
    }
}
