import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("RegisterDataset decider")
struct RegisterDatasetTests {
    static let id = SequentialIDs.id(1), run = SequentialIDs.id(2), subject = SequentialIDs.id(3)
    static let sourceA = SequentialIDs.id(4), sourceB = SequentialIDs.id(5), calibration = SequentialIDs.id(6)
    let spec = DeciderSpec(RegisterDatasetDecider.decide, evolve: DatasetEvolve.evolve)

    func command(_ overrides: [String: JSONValue] = [:]) throws -> RegisterDataset {
        try Fixtures.registerCommand(overrides)
    }

    func context(run: Run?? = .none, subject: Bool = false, derivedFrom: [UUID: Dataset?] = [:]) -> RegisterDatasetContext {
        RegisterDatasetContext(datasetID: Self.id, producingRun: run ?? nil, subjectExists: subject, derivedFrom: derivedFrom, now: Given.now)
    }

    /// The event a registration of `command` emits, as the seed's payload sketch has it.
    func registered(_ command: RegisterDataset, endState: RunEndState? = nil) -> DatasetEvent {
        .registered(DatasetRegistered(
            datasetID: Self.id, name: command.name, uri: command.uri, checksum: command.checksum, byteSize: command.byteSize,
            encoding: command.encoding, producingRunID: command.producingRunID, subjectID: command.subjectID, derivedFrom: command.derivedFrom,
            producingRunEndState: endState, intent: .trial, usedCalibrations: command.usedCalibrations, occurredAt: Given.now))
    }

    @Test func registersTrialWithTheRunsEndStateCaptured() throws {
        let linked = try command(["producing_run_id": .string(Self.run.lowercased), "subject_id": .string(Self.subject.lowercased),
                                  "used_calibrations": [.string(Self.calibration.lowercased)]])
        for endState in [nil] + RunEndState.allCases.map(Optional.some) {
            let after = spec.given([]).when(linked, context(run: Given.run(Self.run, ended: endState), subject: true))
                .then([registered(linked, endState: endState)])
            #expect(after?.status == .registered && after?.intent == .trial && after?.version == 1)
        }
    }

    @Test func withoutARunThereIsNoEndState() throws {
        let plain = try command()
        spec.given([]).when(plain, context()).then([registered(plain)])
    }

    @Test func refusesInTheContractsOrder() throws {
        let all = try command([
            "producing_run_id": .string(Self.run.lowercased), "subject_id": .string(Self.subject.lowercased),
            "derived_from": [.string(Self.sourceB.lowercased), .string(Self.sourceA.lowercased)],
        ])
        let discardedA = Given.dataset([try Given.registered(Self.sourceA), try Given.discarded(Self.sourceA)])
        let liveA = Given.dataset([try Given.registered(Self.sourceA)]), liveB = Given.dataset([try Given.registered(Self.sourceB)])
        let running = Given.run(Self.run)
        spec.given([]).when(all, context()).then(fails: .producingRunMissing(Self.run))
        spec.given([]).when(all, context(run: running)).then(fails: .linkedSubjectMissing(Self.subject))
        spec.given([]).when(all, context(run: running, subject: true)).then(fails: .derivedFromMissing([Self.sourceA, Self.sourceB]))
        spec.given([]).when(all, context(run: running, subject: true, derivedFrom: [Self.sourceA: discardedA, Self.sourceB: nil]))
            .then(fails: .derivedFromMissing([Self.sourceB]))
        spec.given([]).when(all, context(run: running, subject: true, derivedFrom: [Self.sourceA: discardedA, Self.sourceB: liveB]))
            .then(fails: .derivedFromDiscarded([Self.sourceA]))
        spec.given([try Given.registered(Self.id)]).when(all, context(run: running, subject: true, derivedFrom: [Self.sourceA: liveA, Self.sourceB: liveB]))
            .then(fails: .alreadyExists(Self.id))
        spec.given([]).when(all, context(run: running, subject: true, derivedFrom: [Self.sourceA: liveA, Self.sourceB: liveB]))
            .then([registered(all)])
    }

    @Test func aProductionSourceSinceRetractedStillMayBeDerivedFrom() throws {
        let derived = try command(["derived_from": [.string(Self.sourceA.lowercased)]])
        let retracted = Given.dataset([try Given.registered(Self.sourceA), try Given.promoted(Self.sourceA), try Given.demoted(Self.sourceA)])
        spec.given([]).when(derived, context(derivedFrom: [Self.sourceA: retracted])).then([registered(derived)])
    }

    @Test func thePayloadIsCanonicalWhateverTheInputOrder() throws {
        let first = try command(["used_calibrations": .array([Self.sourceB, Self.sourceA].map { .string($0.uuidString) }),
                                 "encoding": ["media_type": "a/b", "conforms_to": ["z", "a", " m "]]])
        let second = try command(["used_calibrations": .array([Self.sourceA, Self.sourceB].map { .string($0.lowercased) }),
                                  "encoding": ["media_type": " a/b", "conforms_to": ["m", "z", "a", "a"]]])
        #expect(first == second)
        let payloads = try [first, second].map { try RegisterDatasetDecider.decide($0, nil, context())[0].payload }
        #expect(CanonicalJSON.bytes(payloads[0]) == CanonicalJSON.bytes(payloads[1]))
        #expect(CanonicalJSON.string(payloads[0]).contains(#""conforms_to":["a","m","z"]"#))
    }
}
