import CoraKernel
import Foundation

public struct GetRun: Sendable, Equatable {
    public let runID: UUID
    public init(runID: UUID) { self.runID = runID }
}

public struct GetRunHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(_ query: GetRun) async throws -> Run {
        guard let run = try RunEvolve.fold(try await dependencies.store.readStream(StreamID(.run, query.runID))) else { throw RunError.notFound(query.runID) }
        return run
    }
}
