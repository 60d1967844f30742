import CoraKernel
import Foundation

/// The answer to a registration: the new id, and whether it is a replay of an earlier identical request.
public struct RegisterDatasetResult: Sendable, Equatable {
    public let datasetID: UUID
    public let replayed: Bool
    public var body: JSONValue { .object(["dataset_id": .string(datasetID.lowercased)]) }
}

/// authorize → key → shape → values → idempotency → load → decide → append, one transaction.
public struct RegisterDatasetHandler: Sendable {
    let dependencies: ServiceDependencies

    public init(_ dependencies: ServiceDependencies) {
        self.dependencies = dependencies
    }

    public func handle(body: CommandBody, idempotencyKey: String?, caller: CallContext) async throws -> RegisterDatasetResult {
        try dependencies.authorize(.registerDataset, caller)
        let key = try IdempotencyKey.parse(idempotencyKey, required: true)
        let command = try RegisterDataset(body: body)
        let datasetID = dependencies.ids.next()
        let dependencies = self.dependencies
        let (response, replayed) = try await dependencies.idempotentWrite(.registerDataset, key: key, command: command.canonical, caller: caller) { transaction in
            let context = try await Self.load(command, datasetID: datasetID, now: dependencies.clock.now(), in: transaction)
            let events = try RegisterDatasetDecider.decide(command, context)
            let appended = try await transaction.append(events.map(\.pending), metadata: dependencies.metadata(caller),
                                                        expectedVersions: [StreamID(.dataset, datasetID): 0])
            return (StoredResponse(status: 201, body: RegisterDatasetResult(datasetID: datasetID, replayed: false).body), appended)
        }
        guard case .string(let text)? = response.body["dataset_id"], let storedID = UUID(strict: text) else {
            throw StoreError.corrupt("idempotency record without dataset_id")
        }
        return RegisterDatasetResult(datasetID: storedID, replayed: replayed)
    }

    /// Every stream the decider needs, in one round trip.
    static func load(_ command: RegisterDataset, datasetID: UUID, now: Timestamp, in transaction: any StoreTransaction) async throws -> RegisterDatasetContext {
        try context(command, datasetID: datasetID, loaded: try await transaction.load(streams(command, datasetID: datasetID)), now: now)
    }

    /// The streams a registration's decision reads: the new id's, the Run, the Subject, the sources.
    static func streams(_ command: RegisterDataset, datasetID: UUID) -> [StreamID] {
        var streams = [StreamID(.dataset, datasetID)]
        if let runID = command.producingRunID { streams.append(StreamID(.run, runID)) }
        if let subjectID = command.subjectID { streams.append(StreamID(.subject, subjectID)) }
        return streams + command.derivedFrom.map { StreamID(.dataset, $0) }
    }

    /// The decider's input from the loaded streams; `registeredEarlier` are Datasets decided earlier in the
    /// same transaction (an import batch), which the store does not hold yet.
    static func context(_ command: RegisterDataset, datasetID: UUID, loaded: [StreamID: [RecordedEvent]], now: Timestamp,
                        registeredEarlier: [UUID: Dataset] = [:]) throws -> RegisterDatasetContext {
        var derived: [UUID: Dataset?] = [:]
        for id in command.derivedFrom {
            if let earlier = registeredEarlier[id] { derived[id] = earlier } else { derived[id] = try DatasetEvolve.fold(loaded[StreamID(.dataset, id)] ?? []) }
        }
        return RegisterDatasetContext(
            datasetID: datasetID,
            existing: try DatasetEvolve.fold(loaded[StreamID(.dataset, datasetID)] ?? []),
            producingRun: try command.producingRunID.flatMap { try RunEvolve.fold(loaded[StreamID(.run, $0)] ?? []) },
            subjectExists: command.subjectID.map { !(loaded[StreamID(.subject, $0)] ?? []).isEmpty } ?? false,
            derivedFrom: derived, now: now)
    }
}
