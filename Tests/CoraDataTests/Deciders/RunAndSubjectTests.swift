import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("StartRun decider")
struct StartRunTests {
    static let run = SequentialIDs.id(2), subject = SequentialIDs.id(3)
    let spec = DeciderSpec(StartRunDecider.decide, evolve: RunEvolve.evolve)

    @Test func startsRunningAboutItsSubject() throws {
        let command = try StartRun(name: " run 007 ", subjectID: Self.subject)
        let after = spec.given([]).when(command, StartRunContext(runID: Self.run, subjectExists: true, now: Given.now))
            .then([.started(RunStarted(runID: Self.run, name: "run 007", subjectID: Self.subject, occurredAt: Given.now))])
        #expect(after?.status == .running)
    }

    @Test func refusals() throws {
        let command = try StartRun(name: "run", subjectID: Self.subject)
        spec.given([]).when(command, StartRunContext(runID: Self.run, subjectExists: false, now: Given.now)).then(fails: .subjectNotFound(Self.subject))
        spec.given([.started(RunStarted(runID: Self.run, name: "x", subjectID: nil, occurredAt: Given.earlier))])
            .when(command, StartRunContext(runID: Self.run, subjectExists: true, now: Given.now)).then(fails: .alreadyExists(Self.run))
        #expect(throws: RunError.self) { try StartRun(name: "", subjectID: nil) }
    }
}

@Suite("EndRun decider")
struct EndRunTests {
    static let run = SequentialIDs.id(2)
    let spec = DeciderSpec(EndRunDecider.decide, evolve: RunEvolve.evolve)
    let started = RunEvent.started(RunStarted(runID: SequentialIDs.id(2), name: "run", subjectID: nil, occurredAt: Given.earlier))

    @Test func endsARunningRunInATerminalState() throws {
        let command = try EndRun(runID: Self.run, endState: " Truncated ", reason: "beam dump")
        let after = spec.given([started]).when(command, EndRunContext(now: Given.now))
            .then([.ended(RunEnded(runID: Self.run, endState: .truncated, reason: try Given.reason("beam dump"), occurredAt: Given.now))])
        #expect(after?.status == .ended(.truncated) && after?.endedAt == Given.now)
    }

    @Test func refusals() throws {
        let command = try EndRun(runID: Self.run, endState: "Completed", reason: nil)
        spec.given([]).when(command, EndRunContext(now: Given.now)).then(fails: .notFound(Self.run))
        spec.given([started, .ended(RunEnded(runID: Self.run, endState: .aborted, reason: nil, occurredAt: Given.earlier))])
            .when(command, EndRunContext(now: Given.now)).then(fails: .alreadyEnded(Self.run, .aborted))
        #expect(throws: RunError.self) { try EndRun(runID: Self.run, endState: "Running", reason: nil) }
        #expect(throws: RunError.self) { try EndRun(runID: Self.run, endState: "Completed", reason: "") }
    }
}

@Suite("RegisterSubject decider")
struct RegisterSubjectTests {
    static let subject = SequentialIDs.id(3)
    let spec = DeciderSpec(RegisterSubjectDecider.decide, evolve: SubjectEvolve.evolve)

    @Test func registersTheSubject() throws {
        spec.given([]).when(try RegisterSubject(name: "pellet B-12"), RegisterSubjectContext(subjectID: Self.subject, now: Given.now))
            .then([.registered(SubjectRegistered(subjectID: Self.subject, name: "pellet B-12", occurredAt: Given.now))])
    }

    @Test func refusals() throws {
        spec.given([.registered(SubjectRegistered(subjectID: Self.subject, name: "x", occurredAt: Given.earlier))])
            .when(try RegisterSubject(name: "y"), RegisterSubjectContext(subjectID: Self.subject, now: Given.now)).then(fails: .alreadyExists(Self.subject))
        #expect(throws: SubjectError.invalidName("name must be at most 200 characters after trimming; got 201")) {
            try RegisterSubject(name: String(repeating: "n", count: 201))
        }
    }
}
