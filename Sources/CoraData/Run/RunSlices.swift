import CoraKernel
import Foundation

// MARK: StartRun

/// Invariants:
/// - `subject_id`, when given, names a Subject with events   → SubjectNotFound (404)
/// - the new id's stream is empty                             → ConcurrencyConflict (id collision)
/// Emits RunStarted (status Running).
public enum StartRunDecider {
    public static func decide(runID: UUID, name: String, subjectID: UUID?, subjectExists: Bool, _ state: Run?, now: Timestamp) throws(RunError) -> [RunEvent] {
        if let subjectID, !subjectExists { throw .subjectNotFound(subjectID) }
        guard state == nil else { throw .alreadyExists(runID) }
        return [.started(runID: runID, name: name, subjectID: subjectID, occurredAt: now)]
    }
}

public struct StartRunHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(body: CommandBody, idempotencyKey: String?, caller: CallContext) async throws -> CreatedEntity {
        try dependencies.authorize(.startRun, caller)
        let key = try IdempotencyKey.parse(idempotencyKey, required: false)
        var reader = try body.parsedObject()
        let rawName = try reader.requiredString("name")
        let subjectID = try reader.optionalUUID("subject_id")
        try reader.rejectUnknownMembers()
        let name: String
        switch entityNameRule.check(rawName) {
        case .success(let value): name = value
        case .failure(let violation): throw RunError.invalidName(violation.sentence("name", maximum: 200))
        }
        let runID = dependencies.ids.next()
        let dependencies = self.dependencies
        let command: JSONValue = .object(["name": .string(name), "subject_id": subjectID.map { .string($0.lowercased) } ?? .null])
        let (response, replayed) = try await dependencies.idempotentWrite(.startRun, key: key, command: command, caller: caller) { transaction in
            let stream = StreamID(.run, runID)
            let subjectStream = subjectID.map { StreamID(.subject, $0) }
            let loaded = try await transaction.load([stream] + (subjectStream.map { [$0] } ?? []))
            let events = try StartRunDecider.decide(
                runID: runID, name: name, subjectID: subjectID,
                subjectExists: subjectStream.map { !(loaded[$0] ?? []).isEmpty } ?? false,
                try RunEvolve.fold(loaded[stream] ?? []), now: dependencies.clock.now())
            let appended = try await transaction.append(events.map(\.pending), metadata: dependencies.metadata(caller), expectedVersions: [stream: 0])
            return (StoredResponse(status: 201, body: .object(["run_id": .string(runID.lowercased)])), appended)
        }
        return try CreatedEntity(stored: response, idMember: "run_id", replayed: replayed)
    }
}

// MARK: EndRun

/// Invariants:
/// - the Run exists                  → RunNotFound (404)
/// - the Run is Running              → RunAlreadyEnded (409)
/// Emits RunEnded with a terminal `end_state`.
public enum EndRunDecider {
    public static func decide(runID: UUID, endState: RunStatus, reason: String?, _ state: Run?, now: Timestamp) throws(RunError) -> [RunEvent] {
        guard let run = state else { throw .notFound(runID) }
        guard run.status == .running else { throw .alreadyEnded(runID, run.status) }
        return [.ended(runID: runID, endState: endState, reason: reason, occurredAt: now)]
    }
}

public struct EndRunHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// Returns the Run after it ended.
    public func handle(runID rawID: String, body: CommandBody, caller: CallContext) async throws -> Run {
        try dependencies.authorize(.endRun, caller)
        let runID = try parsePathUUID(rawID, name: "run_id")
        var reader = try body.parsedObject()
        let rawEndState = try reader.requiredString("end_state")
        let rawReason = try reader.optionalString("reason")
        try reader.rejectUnknownMembers()
        guard let endState = RunStatus(rawValue: TextRule.trimmed(rawEndState)), endState.isTerminal else {
            throw RunError.invalidEndState("end_state must be one of \(RunStatus.terminal.map(\.rawValue).joined(separator: ", ")).")
        }
        // The contract has no code of its own for a bad end reason; it is refused with the end_state code.
        let reason = try rawReason.map { raw throws(RunError) in try Reason(raw, orThrow: RunError.invalidEndState).value }
        let dependencies = self.dependencies
        return try await dependencies.write { transaction in
            let stream = StreamID(.run, runID)
            let run = try RunEvolve.fold(try await transaction.load([stream])[stream] ?? [])
            let events = try EndRunDecider.decide(runID: runID, endState: endState, reason: reason, run, now: dependencies.clock.now())
            let appended = try await transaction.append(events.map(\.pending), metadata: dependencies.metadata(caller), expectedVersions: [stream: run?.version ?? 0])
            guard let after = events.reduce(run, RunEvolve.evolve) else { throw RunError.notFound(runID) }
            return (after, appended)
        }
    }
}

// MARK: GetRun

extension Run {
    public var representation: JSONValue {
        .object([
            "id": .string(id.lowercased), "name": .string(name),
            "subject_id": subjectID.map { .string($0.lowercased) } ?? .null,
            "status": .string(status.rawValue), "started_at": .string(startedAt.rfc3339),
            "ended_at": endedAt.map { .string($0.rfc3339) } ?? .null,
        ])
    }
}

public struct GetRunHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(runID: String, caller: CallContext) async throws -> Run {
        try dependencies.authorize(.getRun, caller)
        let id = try parsePathUUID(runID, name: "run_id")
        guard let run = try RunEvolve.fold(try await dependencies.store.readStream(StreamID(.run, id))) else { throw RunError.notFound(id) }
        return run
    }
}
