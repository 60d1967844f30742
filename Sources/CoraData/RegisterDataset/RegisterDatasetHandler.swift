import CoraKernel
import Foundation

/// The answer to a registration: the new id, and whether it is a replay of an earlier identical request.
public struct RegisterDatasetResult: Sendable, Equatable {
    public let datasetID: UUID
    public let replayed: Bool
}

/// idempotency and load (one round trip) → decide → append, in one transaction.
public struct RegisterDatasetHandler: Sendable {
    let dependencies: ServiceDependencies

    public init(_ dependencies: ServiceDependencies) {
        self.dependencies = dependencies
    }

    public func handle(_ command: RegisterDataset, key: IdempotencyKey?, caller: CallContext) async throws -> RegisterDatasetResult {
        let datasetID = dependencies.ids.next()
        let dependencies = self.dependencies
        let (response, replayed) = try await dependencies.idempotentWrite(
            .registerDataset, key: key, command: command.canonical, caller: caller, loading: command.streams(datasetID: datasetID)
        ) { transaction, loaded in
            let (state, context) = try RegisterDatasetContext.folding(command, datasetID: datasetID, loaded: loaded, now: dependencies.clock.now())
            let events = try RegisterDatasetDecider.decide(command, state, context)
            let appended = try await transaction.append(events.map(DomainEvent.dataset), metadata: dependencies.metadata(caller),
                                                        expectedVersions: [StreamID(.dataset, datasetID): 0])
            return (StoredResponse(status: 201, body: ["dataset_id": .string(datasetID.lowercased)]), appended)
        }
        return RegisterDatasetResult(datasetID: try response.createdID("dataset_id"), replayed: replayed)
    }
}

extension StoredResponse {
    /// The id a create slice answered, from its (possibly replayed) stored answer.
    func createdID(_ member: String) throws -> UUID {
        guard case .string(let text)? = body[member], let id = UUID(strict: text) else { throw StoreError.corrupt("idempotency record without \(member)") }
        return id
    }
}
