import CoraKernel
import Foundation

/// End a Running Run in one of the four terminal states, with an optional reason.
public struct EndRun: Sendable, Equatable {
    public let runID: UUID
    public let endState: RunEndState
    public let reason: Reason?

    public init(runID: UUID, endState: String, reason: String?) throws(RunError) {
        guard let state = RunEndState(rawValue: TextRule.trimmed(endState)) else {
            throw .invalidEndState("end_state must be one of \(RunEndState.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        self.runID = runID
        self.endState = state
        // The contract has no code of its own for a bad end reason; it is refused with the end_state code.
        self.reason = try reason.map { raw throws(RunError) in try Reason(raw, orThrow: RunError.invalidEndState) }
    }
}

public struct EndRunContext: Sendable, Equatable {
    public let now: Timestamp
    public init(now: Timestamp) { self.now = now }
}

/// Invariants:
/// - the Run exists                  → RunNotFound (404)
/// - the Run is Running              → RunAlreadyEnded (409)
/// Emits RunEnded with the terminal `end_state`.
public enum EndRunDecider {
    public static func decide(_ command: EndRun, _ state: Run?, _ context: EndRunContext) throws(RunError) -> [RunEvent] {
        guard let run = state else { throw .notFound(command.runID) }
        if case .ended(let endState) = run.status { throw .alreadyEnded(command.runID, endState) }
        return [.ended(RunEnded(runID: command.runID, endState: command.endState, reason: command.reason, occurredAt: context.now))]
    }
}

public struct EndRunHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// Returns the Run after it ended.
    public func handle(_ command: EndRun, caller: CallContext) async throws -> Run {
        let dependencies = self.dependencies
        return try await dependencies.write { transaction in
            let stream = StreamID(.run, command.runID)
            let run = try RunEvolve.fold(try await transaction.load([stream])[stream] ?? [])
            let events = try EndRunDecider.decide(command, run, EndRunContext(now: dependencies.clock.now()))
            let appended = try await transaction.append(events.map(DomainEvent.run), metadata: dependencies.metadata(caller), expectedVersions: [stream: run?.version ?? 0])
            return (try applying(events, to: run, RunEvolve.evolve), appended)
        }
    }
}
