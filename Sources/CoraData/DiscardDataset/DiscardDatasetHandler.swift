import CoraKernel
import Foundation

public struct DiscardDatasetHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// Returns the Dataset after the discard.
    public func handle(_ command: DiscardDataset, caller: CallContext) async throws -> Dataset {
        try await DatasetTransition.run(dependencies, caller: caller, datasetID: command.datasetID, loadDerivedFrom: false) { state, _, now in
            try DiscardDatasetDecider.decide(command, state, DiscardDatasetContext(now: now))
        }
    }
}
