import CoraKernel
import Foundation

public struct Subject: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let createdAt: Timestamp
    public let version: Int
}

public enum SubjectEvent: Sendable, Equatable {
    case registered(subjectID: UUID, name: String, occurredAt: Timestamp)

    public var pending: PendingEvent {
        switch self {
        case .registered(let subjectID, let name, let occurredAt):
            PendingEvent(stream: StreamID(.subject, subjectID), eventType: "SubjectRegistered", payload: .object([
                "subject_id": .string(subjectID.lowercased), "name": .string(name), "occurred_at": .string(occurredAt.rfc3339),
            ]), occurredAt: occurredAt)
        }
    }

    init?(eventType: String, payload: JSONValue) {
        let reader = StoredPayload(payload)
        guard eventType == "SubjectRegistered", let subjectID = reader.uuid("subject_id"), let name = reader.string("name"),
              let occurredAt = reader.timestamp("occurred_at")
        else { return nil }
        self = .registered(subjectID: subjectID, name: name, occurredAt: occurredAt)
    }
}

public enum SubjectEvolve {
    public static func evolve(_ state: Subject?, _ event: SubjectEvent) -> Subject? {
        switch event {
        case .registered(let subjectID, let name, let occurredAt):
            Subject(id: subjectID, name: name, createdAt: occurredAt, version: (state?.version ?? 0) + 1)
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
