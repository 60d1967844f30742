import CoraKernel
import Foundation

public struct Subject: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let createdAt: Timestamp
    public let version: Int
}

public enum SubjectEvent: Sendable, Equatable {
    case registered(SubjectRegistered)

    public var eventType: String {
        switch self {
        case .registered: "SubjectRegistered"
        }
    }

    public var pending: PendingEvent {
        switch self {
        case .registered(let event):
            PendingEvent(stream: StreamID(.subject, event.subjectID), eventType: eventType, payload: .object([
                "subject_id": .string(event.subjectID.lowercased), "name": .string(event.name), "occurred_at": .string(event.occurredAt.rfc3339),
            ]), occurredAt: event.occurredAt)
        }
    }

    /// Reads a stored event back without the write-side rules.
    public init?(eventType: String, payload: JSONValue) {
        let reader = StoredPayload(payload)
        guard eventType == "SubjectRegistered", let subjectID = reader.uuid("subject_id"), let name = reader.string("name"),
              let occurredAt = reader.timestamp("occurred_at")
        else { return nil }
        self = .registered(SubjectRegistered(subjectID: subjectID, name: name, occurredAt: occurredAt))
    }
}

public struct SubjectRegistered: Sendable, Equatable {
    public let subjectID: UUID
    public let name: String
    public let occurredAt: Timestamp

    public init(subjectID: UUID, name: String, occurredAt: Timestamp) {
        self.subjectID = subjectID
        self.name = name
        self.occurredAt = occurredAt
    }
}

/// The one evolve of the Subject aggregate; `nil` when the event cannot follow the state.
public enum SubjectEvolve {
    public static func evolve(_ state: Subject?, _ event: SubjectEvent) -> Subject? {
        switch event {
        case .registered(let registered):
            guard state == nil else { return nil }
            return Subject(id: registered.subjectID, name: registered.name, createdAt: registered.occurredAt, version: 1)
        }
    }

    public static func fold(_ events: [RecordedEvent]) throws(StoreError) -> Subject? {
        try foldStream(events, decode: SubjectEvent.init(eventType:payload:), evolve: evolve)
    }
}

public enum SubjectError: Error, Sendable, Equatable, ProblemReportable {
    case invalidName(String)
    case notFound(UUID)
    case alreadyExists(UUID)

    public var problem: Problem {
        switch self {
        case .invalidName(let detail): Problem(status: 400, code: "InvalidSubjectName", detail: detail, extensions: ["field": "name"])
        case .notFound(let id): Problem(status: 404, code: "SubjectNotFound", detail: "No Subject \(id.lowercased) exists.")
        case .alreadyExists(let id): Problem(status: 409, code: "ConcurrencyConflict", detail: "Subject \(id.lowercased) already exists.")
        }
    }
}

/// Run and Subject names: the Dataset name rule with their own codes.
public struct EntityName: Sendable, Hashable {
    public let value: String

    public init<Failure: Error>(_ raw: String, orThrow failure: (String) -> Failure) throws(Failure) {
        switch entityNameRule.check(raw) {
        case .success(let value): self.value = value
        case .failure(let violation): throw failure(violation.sentence("name", maximum: 200))
        }
    }
}
