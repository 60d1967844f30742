import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

/// given(events) → when(command) → then(events | error), one decider at a time, no I/O.
@Suite("Deciders")
struct DeciderTests {
    static let now = Timestamp(rfc3339: "2026-05-19T15:00:00.000000Z")!
    static let datasetID = SequentialIDs.id(1)
    static let runID = SequentialIDs.id(2)
    static let subjectID = SequentialIDs.id(3)
    static let sourceA = SequentialIDs.id(4)
    static let sourceB = SequentialIDs.id(5)

    static func command(_ overrides: [String: JSONValue] = [:]) throws -> RegisterDataset {
        try RegisterDataset(body: .json(Fixtures.registerBody(overrides)))
    }

    static func run(_ status: RunStatus) -> Run? {
        var events: [RunEvent] = [.started(runID: runID, name: "run", subjectID: nil, occurredAt: now)]
        if status != .running { events.append(.ended(runID: runID, endState: status, reason: nil, occurredAt: now)) }
        return events.reduce(nil, RunEvolve.evolve)
    }

    /// A registered dataset, then the given transitions folded in.
    static func dataset(id: UUID = datasetID, runEndState: RunStatus?? = .none, derivedFrom: [UUID] = [], _ transitions: [@Sendable (Reason) -> DatasetEvent] = []) throws -> Dataset {
        var overrides: [String: JSONValue] = ["derived_from": .array(derivedFrom.map { .string($0.lowercased) })]
        var context = RegisterDatasetContext(datasetID: id, existing: nil, producingRun: nil, subjectExists: false,
                                             derivedFrom: Dictionary(uniqueKeysWithValues: derivedFrom.map { ($0, try? dataset(id: $0)) }), now: now)
        if case .some(let state) = runEndState {
            overrides["producing_run_id"] = .string(runID.lowercased)
            context = RegisterDatasetContext(datasetID: id, existing: nil, producingRun: run(state ?? .running), subjectExists: false,
                                             derivedFrom: context.derivedFrom, now: now)
        }
        let genesis = try RegisterDatasetDecider.decide(try command(overrides), context)
        let reason = try Reason("because", orThrow: DatasetError.invalidPromotionReason)
        let events = genesis + transitions.map { $0(reason) }
        return try #require(events.reduce(nil, DatasetEvolve.evolve))
    }

    static let promoted: @Sendable (Reason) -> DatasetEvent = { .promoted(.init(datasetID: datasetID, reason: $0, occurredAt: now)) }
    static let demoted: @Sendable (Reason) -> DatasetEvent = { .demoted(.init(datasetID: datasetID, reason: $0, occurredAt: now)) }
    static let discarded: @Sendable (Reason) -> DatasetEvent = { .discarded(.init(datasetID: datasetID, reason: $0, occurredAt: now)) }

    func input(_ id: UUID = datasetID) throws -> DatasetReasonInput {
        DatasetReasonInput(datasetID: id, reason: try Reason("audit reason", orThrow: DatasetError.invalidPromotionReason))
    }

    // MARK: RegisterDataset

    @Test func registerEmitsTrialRegisteredWithCapturedRunState() throws {
        for state in RunStatus.allCases {
            let context = RegisterDatasetContext(datasetID: Self.datasetID, existing: nil, producingRun: Self.run(state), subjectExists: true, derivedFrom: [:], now: Self.now)
            let events = try RegisterDatasetDecider.decide(try Self.command(["producing_run_id": .string(Self.runID.lowercased), "subject_id": .string(Self.subjectID.lowercased)]), context)
            guard case .registered(let registered)? = events.first, events.count == 1 else { Issue.record("expected one DatasetRegistered"); continue }
            #expect(registered.intent == .trial)
            #expect(registered.producingRunEndState == (state == .running ? nil : state))
            #expect(registered.subjectID == Self.subjectID)
        }
    }

    @Test func registerWithoutRunHasNoEndState() throws {
        let dataset = try Self.dataset()
        #expect(dataset.producingRunEndState == nil)
        #expect(dataset.status == .registered && dataset.intent == .trial && dataset.version == 1)
    }

    @Test func registerGuardsInContractOrder() throws {
        let all: [String: JSONValue] = [
            "producing_run_id": .string(Self.runID.lowercased), "subject_id": .string(Self.subjectID.lowercased),
            "derived_from": [.string(Self.sourceB.lowercased), .string(Self.sourceA.lowercased)],
        ]
        let discardedSource = try Self.dataset(id: Self.sourceA, [{ .discarded(.init(datasetID: Self.sourceA, reason: $0, occurredAt: Self.now)) }])
        func decide(run: Run?, subject: Bool, derived: [UUID: Dataset?], existing: Dataset? = nil) throws -> [DatasetEvent] {
            try RegisterDatasetDecider.decide(try Self.command(all), RegisterDatasetContext(
                datasetID: Self.datasetID, existing: existing, producingRun: run, subjectExists: subject, derivedFrom: derived, now: Self.now))
        }
        #expect(throws: DatasetError.producingRunMissing(Self.runID)) { try decide(run: nil, subject: false, derived: [:]) }
        #expect(throws: DatasetError.linkedSubjectMissing(Self.subjectID)) { try decide(run: Self.run(.running), subject: false, derived: [:]) }
        #expect(throws: DatasetError.derivedFromMissing([Self.sourceA, Self.sourceB])) { try decide(run: Self.run(.running), subject: true, derived: [:]) }
        #expect(throws: DatasetError.derivedFromMissing([Self.sourceB])) {
            try decide(run: Self.run(.running), subject: true, derived: [Self.sourceA: discardedSource, Self.sourceB: nil])
        }
        let liveB = try Self.dataset(id: Self.sourceB)
        #expect(throws: DatasetError.derivedFromDiscarded([Self.sourceA])) {
            try decide(run: Self.run(.running), subject: true, derived: [Self.sourceA: discardedSource, Self.sourceB: liveB])
        }
        let liveA = try Self.dataset(id: Self.sourceA)
        #expect(throws: DatasetError.alreadyExists(Self.datasetID)) {
            try decide(run: Self.run(.running), subject: true, derived: [Self.sourceA: liveA, Self.sourceB: liveB], existing: liveA)
        }
        #expect(try decide(run: Self.run(.running), subject: true, derived: [Self.sourceA: liveA, Self.sourceB: liveB]).count == 1)
    }

    @Test func registerPayloadIsCanonicalWhateverTheInputOrder() throws {
        let ids = [Self.sourceB, Self.sourceA]
        let first = try Self.command(["used_calibrations": .array(ids.map { .string($0.uuidString) }),
                                      "encoding": ["media_type": "a/b", "conforms_to": ["z", "a", " m "]]])
        let second = try Self.command(["used_calibrations": .array(ids.reversed().map { .string($0.lowercased) }),
                                       "encoding": ["media_type": " a/b", "conforms_to": ["m", "z", "a", "a"]]])
        let context = RegisterDatasetContext(datasetID: Self.datasetID, existing: nil, producingRun: nil, subjectExists: false, derivedFrom: [:], now: Self.now)
        let payloads = try [first, second].map { try RegisterDatasetDecider.decide($0, context)[0].payload }
        #expect(CanonicalJSON.bytes(payloads[0]) == CanonicalJSON.bytes(payloads[1]))
        #expect(CanonicalJSON.string(payloads[0]).contains(#""conforms_to":["a","m","z"]"#))
    }

    // MARK: PromoteDataset

    @Test func promoteFromTrialEmitsPromoted() throws {
        let events = try PromoteDatasetDecider.decide(input(), try Self.dataset(), derivedFrom: [:], now: Self.now)
        #expect(events.map(\.eventType) == ["DatasetPromoted"])
        #expect(events.reduce(try Self.dataset(), DatasetEvolve.evolve)?.intent == .production)
    }

    @Test func promoteRefusals() throws {
        #expect(throws: DatasetError.notFound(Self.datasetID)) { try PromoteDatasetDecider.decide(input(), nil, derivedFrom: [:], now: Self.now) }
        #expect(throws: DatasetError.cannotPromote(Self.datasetID, .discarded)) {
            try PromoteDatasetDecider.decide(input(), try Self.dataset([Self.discarded]), derivedFrom: [:], now: Self.now)
        }
        // Discarded wins over already-Production: status is checked first.
        #expect(throws: DatasetError.cannotPromote(Self.datasetID, .discarded)) {
            try PromoteDatasetDecider.decide(input(), try Self.dataset([Self.promoted, Self.discarded]), derivedFrom: [:], now: Self.now)
        }
        #expect(throws: DatasetError.alreadyPromoted(Self.datasetID)) {
            try PromoteDatasetDecider.decide(input(), try Self.dataset([Self.promoted]), derivedFrom: [:], now: Self.now)
        }
        #expect(throws: DatasetError.cannotPromote(Self.datasetID, .retracted)) {
            try PromoteDatasetDecider.decide(input(), try Self.dataset([Self.promoted, Self.demoted]), derivedFrom: [:], now: Self.now)
        }
    }

    @Test func promoteUsesTheCapturedRunStateNotTheRunsCurrentOne() throws {
        #expect(try PromoteDatasetDecider.decide(input(), try Self.dataset(runEndState: .some(.completed)), derivedFrom: [:], now: Self.now).count == 1)
        for state in [RunStatus.aborted, .stopped, .truncated] {
            #expect(throws: DatasetError.cannotPromote(Self.datasetID, .producingRunNotCompleted(state))) {
                try PromoteDatasetDecider.decide(input(), try Self.dataset(runEndState: .some(state)), derivedFrom: [:], now: Self.now)
            }
        }
        // Registered while the Run was still Running: captured as null, so it can never be promoted, even
        // though the Run may have completed since (capture, don't recompute).
        #expect(throws: DatasetError.cannotPromote(Self.datasetID, .producingRunNotCompleted(nil))) {
            try PromoteDatasetDecider.decide(input(), try Self.dataset(runEndState: .some(nil)), derivedFrom: [:], now: Self.now)
        }
    }

    @Test func promoteRequiresEveryDerivedFromInProductionByIntentOnly() throws {
        let trialA = try Self.dataset(id: Self.sourceA)
        let productionB = try Self.dataset(id: Self.sourceB, [{ .promoted(.init(datasetID: Self.sourceB, reason: $0, occurredAt: Self.now)) }])
        let productionThenDiscardedA = try Self.dataset(id: Self.sourceA, [
            { .promoted(.init(datasetID: Self.sourceA, reason: $0, occurredAt: Self.now)) },
            { .discarded(.init(datasetID: Self.sourceA, reason: $0, occurredAt: Self.now)) },
        ])
        let child = try Self.dataset(derivedFrom: [Self.sourceA, Self.sourceB])
        #expect(throws: DatasetError.cannotPromote(Self.datasetID, .derivedFromNotProduction([Self.sourceA]))) {
            try PromoteDatasetDecider.decide(input(), child, derivedFrom: [Self.sourceA: trialA, Self.sourceB: productionB], now: Self.now)
        }
        #expect(try PromoteDatasetDecider.decide(input(), child, derivedFrom: [Self.sourceA: productionThenDiscardedA, Self.sourceB: productionB], now: Self.now).count == 1)
    }

    // MARK: DemoteDataset

    @Test func demoteBranches() throws {
        #expect(try DemoteDatasetDecider.decide(input(), try Self.dataset([Self.promoted]), now: Self.now).map(\.eventType) == ["DatasetDemoted"])
        #expect(throws: DatasetError.notFound(Self.datasetID)) { try DemoteDatasetDecider.decide(input(), nil, now: Self.now) }
        #expect(throws: DatasetError.cannotDemote(Self.datasetID, .discarded)) {
            try DemoteDatasetDecider.decide(input(), try Self.dataset([Self.promoted, Self.discarded]), now: Self.now)
        }
        #expect(throws: DatasetError.alreadyRetracted(Self.datasetID)) {
            try DemoteDatasetDecider.decide(input(), try Self.dataset([Self.promoted, Self.demoted]), now: Self.now)
        }
        #expect(throws: DatasetError.cannotDemote(Self.datasetID, .trial)) { try DemoteDatasetDecider.decide(input(), try Self.dataset(), now: Self.now) }
    }

    // MARK: DiscardDataset

    @Test func discardBranches() throws {
        for transitions: [@Sendable (Reason) -> DatasetEvent] in [[], [Self.promoted], [Self.promoted, Self.demoted]] {
            let events = try DiscardDatasetDecider.decide(input(), try Self.dataset(transitions), now: Self.now)
            #expect(events.map(\.eventType) == ["DatasetDiscarded"])
            let after = try #require(events.reduce(try Self.dataset(transitions), DatasetEvolve.evolve))
            #expect(after.status == .discarded)
            #expect(after.name == (try Self.dataset()).name)
        }
        #expect(throws: DatasetError.notFound(Self.datasetID)) { try DiscardDatasetDecider.decide(input(), nil, now: Self.now) }
        #expect(throws: DatasetError.cannotDiscard(Self.datasetID, .discarded)) {
            try DiscardDatasetDecider.decide(input(), try Self.dataset([Self.discarded]), now: Self.now)
        }
    }

    // MARK: Run

    @Test func runDeciders() throws {
        #expect(throws: RunError.subjectNotFound(Self.subjectID)) {
            try StartRunDecider.decide(runID: Self.runID, name: "r", subjectID: Self.subjectID, subjectExists: false, nil, now: Self.now)
        }
        #expect(throws: RunError.notFound(Self.runID)) { try EndRunDecider.decide(runID: Self.runID, endState: .completed, reason: nil, nil, now: Self.now) }
        #expect(throws: RunError.alreadyEnded(Self.runID, .aborted)) {
            try EndRunDecider.decide(runID: Self.runID, endState: .completed, reason: nil, Self.run(.aborted), now: Self.now)
        }
        let ended = try EndRunDecider.decide(runID: Self.runID, endState: .truncated, reason: "beam dump", Self.run(.running), now: Self.now)
        #expect(ended.reduce(Self.run(.running), RunEvolve.evolve)?.status == .truncated)
    }

    @Test func everyErrorMapsToItsContractStatus() {
        let expectations: [(any ProblemReportable, Int, String)] = [
            (DatasetError.notFound(Self.datasetID), 404, "DatasetNotFound"),
            (DatasetError.producingRunMissing(Self.runID), 404, "ProducingRunMissing"),
            (DatasetError.linkedSubjectMissing(Self.subjectID), 404, "LinkedSubjectMissing"),
            (DatasetError.derivedFromMissing([Self.sourceA]), 404, "DerivedFromDatasetsMissing"),
            (DatasetError.derivedFromDiscarded([Self.sourceA]), 409, "DerivedFromDatasetsDiscarded"),
            (DatasetError.alreadyExists(Self.datasetID), 409, "DatasetAlreadyExists"),
            (DatasetError.alreadyPromoted(Self.datasetID), 409, "DatasetAlreadyPromoted"),
            (DatasetError.alreadyRetracted(Self.datasetID), 409, "DatasetAlreadyRetracted"),
            (DatasetError.cannotPromote(Self.datasetID, .retracted), 409, "DatasetCannotPromote"),
            (DatasetError.cannotDemote(Self.datasetID, .trial), 409, "DatasetCannotDemote"),
            (DatasetError.cannotDiscard(Self.datasetID, .discarded), 409, "DatasetCannotDiscard"),
            (DatasetError.invalidDiscardReason("x"), 400, "InvalidDatasetDiscardReason"),
            (RunError.alreadyEnded(Self.runID, .completed), 409, "RunAlreadyEnded"),
            (RunError.subjectNotFound(Self.subjectID), 404, "SubjectNotFound"),
            (IdempotencyError.inFlight, 409, "IdempotencyKeyInFlight"),
            (IdempotencyError.reused, 422, "IdempotencyKeyReused"),
            (StoreError.unavailable("x"), 503, "StoreUnavailable"),
        ]
        for (error, status, code) in expectations {
            #expect(error.problem.status == status && error.problem.code == code, "\(error)")
        }
        #expect(DatasetError.cannotPromote(Self.datasetID, .producingRunNotCompleted(.aborted)).problem.extensions["reason"] == "producing_run_not_completed")
        #expect(DatasetError.derivedFromMissing([Self.sourceB, Self.sourceA]).problem.extensions["missing_ids"] == .array([.string(Self.sourceA.lowercased), .string(Self.sourceB.lowercased)]))
    }
}
