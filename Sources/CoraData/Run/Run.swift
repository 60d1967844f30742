import CoraKernel
import Foundation

/// A Run's status: Running until ended, then one of four terminal states.
public enum RunStatus: String, Sendable, Hashable, CaseIterable {
    case running = "Running"
    case completed = "Completed"
    case aborted = "Aborted"
    case stopped = "Stopped"
    case truncated = "Truncated"

    public static let terminal: [RunStatus] = [.completed, .aborted, .stopped, .truncated]
    public var isTerminal: Bool { self != .running }
}

/// Run and Subject names follow the Dataset name rule (§4) with their own error codes.
let entityNameRule = DatasetName.rule

public struct Run: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let subjectID: UUID?
    public internal(set) var status: RunStatus
    public let startedAt: Timestamp
    public internal(set) var endedAt: Timestamp?
    public internal(set) var version: Int
}

public enum RunEvent: Sendable, Equatable {
    case started(runID: UUID, name: String, subjectID: UUID?, occurredAt: Timestamp)
    case ended(runID: UUID, endState: RunStatus, reason: String?, occurredAt: Timestamp)

    public var eventType: String {
        switch self {
        case .started: "RunStarted"
        case .ended: "RunEnded"
        }
    }

    public var pending: PendingEvent {
        switch self {
        case .started(let runID, let name, let subjectID, let occurredAt):
            PendingEvent(stream: StreamID(.run, runID), eventType: eventType, payload: .object([
                "run_id": .string(runID.lowercased), "name": .string(name),
                "subject_id": subjectID.map { .string($0.lowercased) } ?? .null,
                "occurred_at": .string(occurredAt.rfc3339),
            ]), occurredAt: occurredAt)
        case .ended(let runID, let endState, let reason, let occurredAt):
            PendingEvent(stream: StreamID(.run, runID), eventType: eventType, payload: .object([
                "run_id": .string(runID.lowercased), "end_state": .string(endState.rawValue),
                "reason": reason.map(JSONValue.string) ?? .null, "occurred_at": .string(occurredAt.rfc3339),
            ]), occurredAt: occurredAt)
        }
    }

    init?(eventType: String, payload: JSONValue) {
        let reader = StoredPayload(payload)
        guard let runID = reader.uuid("run_id"), let occurredAt = reader.timestamp("occurred_at") else { return nil }
        switch eventType {
        case "RunStarted":
            guard let name = reader.string("name") else { return nil }
            self = .started(runID: runID, name: name, subjectID: reader.uuid("subject_id"), occurredAt: occurredAt)
        case "RunEnded":
            guard let endState = reader.string("end_state").flatMap(RunStatus.init(rawValue:)) else { return nil }
            self = .ended(runID: runID, endState: endState, reason: reader.string("reason"), occurredAt: occurredAt)
        default:
            return nil
        }
    }
}

public enum RunEvolve {
    public static func evolve(_ state: Run?, _ event: RunEvent) -> Run? {
        switch event {
        case .started(let runID, let name, let subjectID, let occurredAt):
            return Run(id: runID, name: name, subjectID: subjectID, status: .running, startedAt: occurredAt, endedAt: nil, version: 1)
        case .ended(_, let endState, _, let occurredAt):
            guard var run = state else { return nil }
            run.status = endState
            run.endedAt = occurredAt
            run.version += 1
            return run
        }
    }

    public static func fold(_ events: [RecordedEvent]) throws(StoreError) -> Run? {
        try foldStream(events, decode: RunEvent.init(eventType:payload:), evolve: evolve)
    }
}

public enum RunError: Error, Sendable, Equatable, ProblemReportable {
    case invalidName(String)
    case invalidEndState(String)
    case notFound(UUID)
    case subjectNotFound(UUID)
    case alreadyEnded(UUID, RunStatus)
    case alreadyExists(UUID)

    public var problem: Problem {
        switch self {
        case .invalidName(let detail): Problem(status: 400, code: "InvalidRunName", detail: detail, extensions: ["field": "name"])
        case .invalidEndState(let detail): Problem(status: 400, code: "InvalidRunEndState", detail: detail, extensions: ["field": "end_state"])
        case .notFound(let id): Problem(status: 404, code: "RunNotFound", detail: "No Run \(id.lowercased) exists.")
        case .subjectNotFound(let id): Problem(status: 404, code: "SubjectNotFound", detail: "subject_id \(id.lowercased) names no Subject.")
        case .alreadyEnded(let id, let status): Problem(status: 409, code: "RunAlreadyEnded", detail: "Run \(id.lowercased) already ended in '\(status.rawValue)'.")
        case .alreadyExists(let id): Problem(status: 409, code: "ConcurrencyConflict", detail: "Run \(id.lowercased) already exists.")
        }
    }
}
