import CoraKernel
import Foundation

/// Start a Run (status Running), optionally about a Subject.
public struct StartRun: Sendable, Equatable {
    public let name: EntityName
    public let subjectID: UUID?

    public init(name: String, subjectID: UUID?) throws(RunError) {
        self.name = try EntityName(name, orThrow: RunError.invalidName)
        self.subjectID = subjectID
    }

    var canonical: JSONValue { ["name": .string(name.value), "subject_id": subjectID.map { .string($0.lowercased) } ?? .null] }
}

public struct StartRunContext: Sendable, Equatable {
    public let runID: UUID
    public let subjectExists: Bool
    public let now: Timestamp

    public init(runID: UUID, subjectExists: Bool, now: Timestamp) {
        self.runID = runID
        self.subjectExists = subjectExists
        self.now = now
    }
}

/// Invariants:
/// - `subject_id`, when given, names a Subject with events   → SubjectNotFound (404)
/// - the new id's stream is empty                             → ConcurrencyConflict (id collision)
/// Emits RunStarted (status Running).
public enum StartRunDecider {
    public static func decide(_ command: StartRun, _ state: Run?, _ context: StartRunContext) throws(RunError) -> [RunEvent] {
        if let subjectID = command.subjectID, !context.subjectExists { throw .subjectNotFound(subjectID) }
        guard state == nil else { throw .alreadyExists(context.runID) }
        return [.started(RunStarted(runID: context.runID, name: command.name.value, subjectID: command.subjectID, occurredAt: context.now))]
    }
}

/// The answer of the two create slices whose key is optional (RegisterSubject, StartRun).
public struct Created: Sendable, Equatable {
    public let id: UUID
    public let replayed: Bool
}

public struct StartRunHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(_ command: StartRun, key: IdempotencyKey?, caller: CallContext) async throws -> Created {
        let runID = dependencies.ids.next()
        let dependencies = self.dependencies
        let stream = StreamID(.run, runID)
        let subjectStream = command.subjectID.map { StreamID(.subject, $0) }
        let (response, replayed) = try await dependencies.idempotentWrite(
            .startRun, key: key, command: command.canonical, caller: caller, loading: [stream] + (subjectStream.map { [$0] } ?? [])
        ) { transaction, loaded in
            let context = StartRunContext(runID: runID, subjectExists: subjectStream.map { !(loaded[$0] ?? []).isEmpty } ?? false, now: dependencies.clock.now())
            let events = try StartRunDecider.decide(command, try RunEvolve.fold(loaded[stream] ?? []), context)
            let appended = try await transaction.append(events.map(DomainEvent.run), metadata: dependencies.metadata(caller), expectedVersions: [stream: 0])
            return (StoredResponse(status: 201, body: ["run_id": .string(runID.lowercased)]), appended)
        }
        return Created(id: try response.createdID("run_id"), replayed: replayed)
    }
}
