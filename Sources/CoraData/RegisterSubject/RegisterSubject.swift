import CoraKernel
import Foundation

/// Register a Subject: the sample or specimen Datasets are about.
public struct RegisterSubject: Sendable, Equatable {
    public let name: EntityName

    public init(name: String) throws(SubjectError) {
        self.name = try EntityName(name, orThrow: SubjectError.invalidName)
    }
}

public struct RegisterSubjectContext: Sendable, Equatable {
    public let subjectID: UUID
    public let now: Timestamp

    public init(subjectID: UUID, now: Timestamp) {
        self.subjectID = subjectID
        self.now = now
    }
}

/// Invariant: the new id's stream is empty (an id collision is a conflict). Emits SubjectRegistered.
public enum RegisterSubjectDecider {
    public static func decide(_ command: RegisterSubject, _ state: Subject?, _ context: RegisterSubjectContext) throws(SubjectError) -> [SubjectEvent] {
        guard state == nil else { throw .alreadyExists(context.subjectID) }
        return [.registered(SubjectRegistered(subjectID: context.subjectID, name: command.name.value, occurredAt: context.now))]
    }
}

public struct RegisterSubjectHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(_ command: RegisterSubject, key: IdempotencyKey?, caller: CallContext) async throws -> Created {
        let subjectID = dependencies.ids.next()
        let dependencies = self.dependencies
        let stream = StreamID(.subject, subjectID)
        let (response, replayed) = try await dependencies.idempotentWrite(
            .registerSubject, key: key, command: ["name": .string(command.name.value)], caller: caller, loading: [stream]
        ) { transaction, loaded in
            let state = try SubjectEvolve.fold(loaded[stream] ?? [])
            let events = try RegisterSubjectDecider.decide(command, state, RegisterSubjectContext(subjectID: subjectID, now: dependencies.clock.now()))
            let appended = try await transaction.append(events.map(DomainEvent.subject), metadata: dependencies.metadata(caller), expectedVersions: [stream: 0])
            return (StoredResponse(status: 201, body: ["subject_id": .string(subjectID.lowercased)]), appended)
        }
        return Created(id: try response.createdID("subject_id"), replayed: replayed)
    }
}
