import CoraData
import CoraKernel
import Foundation

/// The slices' handlers called with typed commands, for store-level tests that need data in a store
/// (the wire and the runner are tested through the surfaces).
extension ServiceDependencies {
    @discardableResult
    public func register(_ overrides: [String: JSONValue] = [:], key: String = UUID().uuidString, caller: CallContext = Fixtures.caller()) async throws -> UUID {
        try await RegisterDatasetHandler(self).handle(try Fixtures.registerCommand(overrides), key: try IdempotencyKey(key), caller: caller).datasetID
    }

    @discardableResult
    public func promote(_ id: UUID, _ reason: String = "qa", caller: CallContext = Fixtures.caller()) async throws -> Dataset {
        try await PromoteDatasetHandler(self).handle(try PromoteDataset(datasetID: id, reason: reason), caller: caller)
    }

    @discardableResult
    public func demote(_ id: UUID, _ reason: String = "drift", caller: CallContext = Fixtures.caller()) async throws -> Dataset {
        try await DemoteDatasetHandler(self).handle(try DemoteDataset(datasetID: id, reason: reason), caller: caller)
    }

    @discardableResult
    public func discard(_ id: UUID, _ reason: String = "rotated", caller: CallContext = Fixtures.caller()) async throws -> Dataset {
        try await DiscardDatasetHandler(self).handle(try DiscardDataset(datasetID: id, reason: reason), caller: caller)
    }

    public func registerSubject(_ name: String = "pellet B-12") async throws -> UUID {
        try await RegisterSubjectHandler(self).handle(try RegisterSubject(name: name), key: nil, caller: Fixtures.caller()).id
    }

    public func startRun(_ name: String = "run 007", subject: UUID? = nil) async throws -> UUID {
        try await StartRunHandler(self).handle(try StartRun(name: name, subjectID: subject), key: nil, caller: Fixtures.caller()).id
    }

    @discardableResult
    public func endRun(_ id: UUID, _ state: String = "Completed") async throws -> Run {
        try await EndRunHandler(self).handle(try EndRun(runID: id, endState: state, reason: nil), caller: Fixtures.caller())
    }

    public func dataset(_ id: UUID) async throws -> Dataset {
        try await GetDatasetHandler(self).handle(GetDataset(datasetID: id))
    }
}
