import CoraKernel
import Foundation

/// How a Run ended: one of the four terminal states. A type of its own, so a Dataset's captured
/// `producing_run_end_state` and an EndRun command cannot hold `Running`.
public enum RunEndState: String, Sendable, Hashable, CaseIterable {
    case completed = "Completed"
    case aborted = "Aborted"
    case stopped = "Stopped"
    case truncated = "Truncated"
}

/// A Run's status: Running until ended, then how it ended.
public enum RunStatus: Sendable, Hashable {
    case running
    case ended(RunEndState)

    public var rawValue: String {
        switch self {
        case .running: "Running"
        case .ended(let state): state.rawValue
        }
    }

    public var endState: RunEndState? {
        guard case .ended(let state) = self else { return nil }
        return state
    }
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
    case started(RunStarted)
    case ended(RunEnded)

    public var eventType: String {
        switch self {
        case .started: "RunStarted"
        case .ended: "RunEnded"
        }
    }

    public var runID: UUID {
        switch self {
        case .started(let event): event.runID
        case .ended(let event): event.runID
        }
    }

    public var occurredAt: Timestamp {
        switch self {
        case .started(let event): event.occurredAt
        case .ended(let event): event.occurredAt
        }
    }

    public var payload: JSONValue {
        switch self {
        case .started(let event):
            .object([
                "run_id": .string(event.runID.lowercased), "name": .string(event.name),
                "subject_id": event.subjectID.map { .string($0.lowercased) } ?? .null,
                "occurred_at": .string(event.occurredAt.rfc3339),
            ])
        case .ended(let event):
            .object([
                "run_id": .string(event.runID.lowercased), "end_state": .string(event.endState.rawValue),
                "reason": event.reason.map { .string($0.value) } ?? .null, "occurred_at": .string(event.occurredAt.rfc3339),
            ])
        }
    }

    public var pending: PendingEvent {
        PendingEvent(stream: StreamID(.run, runID), eventType: eventType, payload: payload, occurredAt: occurredAt)
    }

    /// Reads a stored event back without the write-side rules.
    public init?(eventType: String, payload: JSONValue) {
        let reader = StoredPayload(payload)
        guard let runID = reader.uuid("run_id"), let occurredAt = reader.timestamp("occurred_at") else { return nil }
        switch eventType {
        case "RunStarted":
            guard let name = reader.string("name") else { return nil }
            self = .started(RunStarted(runID: runID, name: name, subjectID: reader.uuid("subject_id"), occurredAt: occurredAt))
        case "RunEnded":
            guard let endState = reader.string("end_state").flatMap(RunEndState.init(rawValue:)) else { return nil }
            self = .ended(RunEnded(runID: runID, endState: endState, reason: reader.string("reason").map(Reason.init(stored:)), occurredAt: occurredAt))
        default:
            return nil
        }
    }
}

public struct RunStarted: Sendable, Equatable {
    public let runID: UUID
    public let name: String
    public let subjectID: UUID?
    public let occurredAt: Timestamp

    public init(runID: UUID, name: String, subjectID: UUID?, occurredAt: Timestamp) {
        self.runID = runID
        self.name = name
        self.subjectID = subjectID
        self.occurredAt = occurredAt
    }
}

public struct RunEnded: Sendable, Equatable {
    public let runID: UUID
    public let endState: RunEndState
    public let reason: Reason?
    public let occurredAt: Timestamp

    public init(runID: UUID, endState: RunEndState, reason: Reason?, occurredAt: Timestamp) {
        self.runID = runID
        self.endState = endState
        self.reason = reason
        self.occurredAt = occurredAt
    }
}

/// The one evolve of the Run aggregate; `nil` when the event cannot follow the state.
public enum RunEvolve {
    public static func evolve(_ state: Run?, _ event: RunEvent) -> Run? {
        switch event {
        case .started(let started):
            guard state == nil else { return nil }
            return Run(id: started.runID, name: started.name, subjectID: started.subjectID, status: .running,
                       startedAt: started.occurredAt, endedAt: nil, version: 1)
        case .ended(let ended):
            guard var run = state else { return nil }
            run.status = .ended(ended.endState)
            run.endedAt = ended.occurredAt
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
    case alreadyEnded(UUID, RunEndState)
    case alreadyExists(UUID)

    public var problem: Problem {
        switch self {
        case .invalidName(let detail): Problem(status: 400, code: "InvalidRunName", detail: detail, extensions: ["field": "name"])
        case .invalidEndState(let detail): Problem(status: 400, code: "InvalidRunEndState", detail: detail, extensions: ["field": "end_state"])
        case .notFound(let id): Problem(status: 404, code: "RunNotFound", detail: "No Run \(id.lowercased) exists.")
        case .subjectNotFound(let id): Problem(status: 404, code: "SubjectNotFound", detail: "subject_id \(id.lowercased) names no Subject.")
        case .alreadyEnded(let id, let state): Problem(status: 409, code: "RunAlreadyEnded", detail: "Run \(id.lowercased) already ended in '\(state.rawValue)'.")
        case .alreadyExists(let id): Problem(status: 409, code: "ConcurrencyConflict", detail: "Run \(id.lowercased) already exists.")
        }
    }
}
