import CoraData
import CoraKernel
import Foundation
import Testing

/// given(events) / when(command, context) / then(events | error) for one decider: the state is folded
/// from the given events with the aggregate's own evolve, and the whole output is compared.
public struct DeciderSpec<State, Event: Equatable, Command, Context, Failure: Error & Equatable> {
    public typealias Decide = (Command, State?, Context) throws(Failure) -> [Event]
    let decide: Decide
    let evolve: (State?, Event) -> State?

    public init(_ decide: @escaping Decide, evolve: @escaping (State?, Event) -> State?) {
        self.decide = decide
        self.evolve = evolve
    }

    public func given(_ events: [Event], sourceLocation: SourceLocation = #_sourceLocation) -> Given {
        var state: State?
        for event in events {
            guard let next = evolve(state, event) else {
                Issue.record("the given events do not fold: \(event) cannot follow", sourceLocation: sourceLocation)
                break
            }
            state = next
        }
        return Given(spec: self, state: state)
    }

    public struct Given {
        let spec: DeciderSpec
        public let state: State?

        public func when(_ command: Command, _ context: Context) -> When {
            let outcome: Result<[Event], Failure>
            do throws(Failure) { outcome = .success(try spec.decide(command, state, context)) } catch { outcome = .failure(error) }
            return When(spec: spec, state: state, outcome: outcome)
        }
    }

    public struct When {
        let spec: DeciderSpec
        let state: State?
        public let outcome: Result<[Event], Failure>

        /// The decider emitted exactly these events, and they fold onto the state; returns the state after.
        @discardableResult
        public func then(_ expected: [Event], sourceLocation: SourceLocation = #_sourceLocation) -> State? {
            switch outcome {
            case .success(let events):
                #expect(events == expected, sourceLocation: sourceLocation)
                var after = state
                for event in events {
                    guard let next = spec.evolve(after, event) else {
                        Issue.record("a decided event does not fold: \(event)", sourceLocation: sourceLocation)
                        return nil
                    }
                    after = next
                }
                return after
            case .failure(let error):
                Issue.record("expected \(expected), refused with \(error)", sourceLocation: sourceLocation)
                return nil
            }
        }

        /// The decider refused with exactly this error.
        public func then(fails expected: Failure, sourceLocation: SourceLocation = #_sourceLocation) {
            switch outcome {
            case .success(let events): Issue.record("expected \(expected), emitted \(events)", sourceLocation: sourceLocation)
            case .failure(let error): #expect(error == expected, sourceLocation: sourceLocation)
            }
        }
    }
}

/// Events and states for decider tests, at a fixed time with fixed ids.
public enum Given {
    public static let now = Timestamp(rfc3339: "2026-05-19T15:00:00.000000Z")!
    public static let earlier = Timestamp(rfc3339: "2026-05-19T14:00:00.000000Z")!

    public static func reason(_ text: String = "audit reason") throws -> Reason {
        try PromoteDataset(datasetID: UUID(), reason: text).reason
    }

    /// A DatasetRegistered as the register decider writes it, at `earlier`.
    public static func registered(_ id: UUID, name: String = "raw projections", producingRun: UUID? = nil, endState: RunEndState? = nil,
                                  subject: UUID? = nil, derivedFrom: Set<UUID> = [], usedCalibrations: Set<UUID> = []) throws -> DatasetEvent {
        .registered(DatasetRegistered(
            datasetID: id, name: try DatasetName(name), uri: try DatasetURI("s3://bucket/\(id.lowercased).h5"),
            checksum: try DatasetChecksum(algorithm: "sha256", value: Fixtures.checksum), byteSize: try DatasetByteSize(1024),
            encoding: try DatasetEncoding(mediaType: "application/x-hdf5", conformsTo: []), producingRunID: producingRun,
            subjectID: subject, derivedFrom: derivedFrom, producingRunEndState: endState, intent: .trial,
            usedCalibrations: usedCalibrations, occurredAt: earlier))
    }

    public static func promoted(_ id: UUID, _ reason: String = "audit reason", at time: Timestamp = earlier) throws -> DatasetEvent {
        .promoted(DatasetReasonRecorded(datasetID: id, reason: try self.reason(reason), occurredAt: time))
    }

    public static func demoted(_ id: UUID, _ reason: String = "audit reason", at time: Timestamp = earlier) throws -> DatasetEvent {
        .demoted(DatasetReasonRecorded(datasetID: id, reason: try self.reason(reason), occurredAt: time))
    }

    public static func discarded(_ id: UUID, _ reason: String = "audit reason", at time: Timestamp = earlier) throws -> DatasetEvent {
        .discarded(DatasetReasonRecorded(datasetID: id, reason: try self.reason(reason), occurredAt: time))
    }

    /// The Dataset these events fold to.
    public static func dataset(_ events: [DatasetEvent]) -> Dataset? {
        events.reduce(nil) { DatasetEvolve.evolve($0, $1) }
    }

    public static func run(_ id: UUID, ended: RunEndState? = nil) -> Run? {
        var events: [RunEvent] = [.started(RunStarted(runID: id, name: "run 007", subjectID: nil, occurredAt: earlier))]
        if let ended { events.append(.ended(RunEnded(runID: id, endState: ended, reason: nil, occurredAt: earlier))) }
        return events.reduce(nil) { RunEvolve.evolve($0, $1) }
    }
}
