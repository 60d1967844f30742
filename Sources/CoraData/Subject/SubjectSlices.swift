import CoraKernel
import Foundation

/// The Subject name rule is the Dataset name rule with its own code.
func subjectName(_ raw: String) throws(SubjectError) -> String {
    switch entityNameRule.check(raw) {
    case .success(let value): return value
    case .failure(let violation): throw .invalidName(violation.sentence("name", maximum: 200))
    }
}

/// The answer of the two optional-key create slices (RegisterSubject, StartRun).
public struct CreatedEntity: Sendable, Equatable {
    public let body: JSONValue
    public let id: UUID
    public let replayed: Bool
}

// MARK: RegisterSubject

/// Invariant: the new id's stream is empty (an id collision is a conflict). Emits SubjectRegistered.
public enum RegisterSubjectDecider {
    public static func decide(subjectID: UUID, name: String, _ state: Subject?, now: Timestamp) throws(SubjectError) -> [SubjectEvent] {
        guard state == nil else { throw .alreadyExists(subjectID) }
        return [.registered(subjectID: subjectID, name: name, occurredAt: now)]
    }
}

public struct RegisterSubjectHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(body: CommandBody, idempotencyKey: String?, caller: CallContext) async throws -> CreatedEntity {
        try dependencies.authorize(.registerSubject, caller)
        let key = try IdempotencyKey.parse(idempotencyKey, required: false)
        var reader = try body.parsedObject()
        let rawName = try reader.requiredString("name")
        try reader.rejectUnknownMembers()
        let name = try subjectName(rawName)
        let subjectID = dependencies.ids.next()
        let dependencies = self.dependencies
        let (response, replayed) = try await dependencies.idempotentWrite(.registerSubject, key: key, command: .object(["name": .string(name)]), caller: caller) { transaction in
            let stream = StreamID(.subject, subjectID)
            let state = try SubjectEvolve.fold(try await transaction.load([stream])[stream] ?? [])
            let events = try RegisterSubjectDecider.decide(subjectID: subjectID, name: name, state, now: dependencies.clock.now())
            let appended = try await transaction.append(events.map(\.pending), metadata: dependencies.metadata(caller), expectedVersions: [stream: 0])
            return (StoredResponse(status: 201, body: .object(["subject_id": .string(subjectID.lowercased)])), appended)
        }
        return try CreatedEntity(stored: response, idMember: "subject_id", replayed: replayed)
    }
}

extension CreatedEntity {
    init(stored: StoredResponse, idMember: String, replayed: Bool) throws {
        guard case .string(let text)? = stored.body[idMember], let id = UUID(strict: text) else {
            throw StoreError.corrupt("idempotency record without \(idMember)")
        }
        self.init(body: stored.body, id: id, replayed: replayed)
    }
}

// MARK: GetSubject

extension Subject {
    public var representation: JSONValue {
        .object(["id": .string(id.lowercased), "name": .string(name), "created_at": .string(createdAt.rfc3339)])
    }
}

public struct GetSubjectHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(subjectID: String, caller: CallContext) async throws -> Subject {
        try dependencies.authorize(.getSubject, caller)
        let id = try parsePathUUID(subjectID, name: "subject_id")
        guard let subject = try SubjectEvolve.fold(try await dependencies.store.readStream(StreamID(.subject, id))) else {
            throw SubjectError.notFound(id)
        }
        return subject
    }
}
