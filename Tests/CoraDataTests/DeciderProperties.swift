import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import PropertyBased
import Testing

/// Properties of the Dataset deciders and evolve over random command sequences: whatever the order of
/// promote, demote and discard, and whatever the producing Run and sources looked like.
@Suite("Dataset decider properties")
struct DeciderProperties {
    static let id = SequentialIDs.id(1), run = SequentialIDs.id(2), source = SequentialIDs.id(3)

    enum Step: Int, CaseIterable {
        case promote, demote, discard
    }

    /// The registration a run of the property starts from: no Run, a Run still running (captured as
    /// null), or one of the four end states; derived from a source in Trial or in Production.
    static func genesis(runCase: Int, sourceInProduction: Bool) throws -> (events: [DatasetEvent], sources: [UUID: Dataset?]) {
        let endStates: [RunEndState?] = [nil] + RunEndState.allCases
        let registered = runCase == 0
            ? try Given.registered(id, derivedFrom: [source])
            : try Given.registered(id, producingRun: run, endState: endStates[runCase - 1], derivedFrom: [source])
        var sourceEvents = [try Given.registered(source)]
        if sourceInProduction { sourceEvents.append(try Given.promoted(source)) }
        return ([registered], [source: Given.dataset(sourceEvents)])
    }

    /// Runs the steps through the deciders, folding what each accepted one emits. Returns every state
    /// reached (the genesis first) and, per step, its events or its refusal.
    static func play(_ steps: [Step], from genesis: [DatasetEvent], sources: [UUID: Dataset?]) throws -> (states: [Dataset], outcomes: [Result<[DatasetEvent], DatasetError>]) {
        var state = try #require(Given.dataset(genesis))
        var states = [state]
        var outcomes: [Result<[DatasetEvent], DatasetError>] = []
        for (offset, step) in steps.enumerated() {
            let now = Given.now.adding(microseconds: Int64(offset))
            let reason = "step \(offset)"
            let outcome: Result<[DatasetEvent], DatasetError>
            do throws(DatasetError) {
                switch step {
                case .promote: outcome = .success(try PromoteDatasetDecider.decide(try PromoteDataset(datasetID: id, reason: reason), state, PromoteDatasetContext(derivedFrom: sources, now: now)))
                case .demote: outcome = .success(try DemoteDatasetDecider.decide(try DemoteDataset(datasetID: id, reason: reason), state, DemoteDatasetContext(now: now)))
                case .discard: outcome = .success(try DiscardDatasetDecider.decide(try DiscardDataset(datasetID: id, reason: reason), state, DiscardDatasetContext(now: now)))
                }
            } catch {
                outcome = .failure(error)
            }
            outcomes.append(outcome)
            if case .success(let events) = outcome {
                for event in events { state = try #require(DatasetEvolve.evolve(state, event), "a decided event must fold") }
            }
            states.append(state)
        }
        return (states, outcomes)
    }

    static let inputs = (steps: Gen.int(in: 0...2).array(of: 0...12), runCase: Gen.int(in: 0...5), source: Gen.bool)

    static func steps(_ raw: [Int]) -> [Step] { raw.compactMap(Step.init(rawValue:)) }

    @Test func theSameInputsGiveTheSameEvents() async {
        await propertyCheck(input: Self.inputs.steps, Self.inputs.runCase, Self.inputs.source) { raw, runCase, sourceInProduction in
            let genesis = try Self.genesis(runCase: runCase, sourceInProduction: sourceInProduction)
            let first = try Self.play(Self.steps(raw), from: genesis.events, sources: genesis.sources)
            let second = try Self.play(Self.steps(raw), from: genesis.events, sources: genesis.sources)
            #expect(first.outcomes == second.outcomes)
            #expect(first.states == second.states)
        }
    }

    @Test func everyAcceptedCommandAddsOneVersionAndRefusalsChangeNothing() async {
        await propertyCheck(input: Self.inputs.steps, Self.inputs.runCase, Self.inputs.source) { raw, runCase, sourceInProduction in
            let genesis = try Self.genesis(runCase: runCase, sourceInProduction: sourceInProduction)
            let (states, outcomes) = try Self.play(Self.steps(raw), from: genesis.events, sources: genesis.sources)
            for (offset, outcome) in outcomes.enumerated() {
                let (before, after) = (states[offset], states[offset + 1])
                switch outcome {
                case .success(let events):
                    #expect(events.count == 1 && after.version == before.version + 1 && after.updatedAt >= before.updatedAt)
                    #expect(after.name == before.name && after.derivedFrom == before.derivedFrom && after.usedCalibrations == before.usedCalibrations)
                case .failure: #expect(after == before)
                }
            }
        }
    }

    @Test func intentAndStatusMoveOnlyAlongTheSeedsStateMachines() async {
        let intentMoves: Set<[String]> = [["Trial", "Production"], ["Production", "Retracted"]]
        await propertyCheck(input: Self.inputs.steps, Self.inputs.runCase, Self.inputs.source) { raw, runCase, sourceInProduction in
            let genesis = try Self.genesis(runCase: runCase, sourceInProduction: sourceInProduction)
            let (states, _) = try Self.play(Self.steps(raw), from: genesis.events, sources: genesis.sources)
            #expect(states[0].intent == .trial && states[0].status == .registered)
            for (before, after) in zip(states, states.dropFirst()) {
                #expect(before.intent == after.intent || intentMoves.contains([before.intent.rawValue, after.intent.rawValue]))
                #expect(before.status == after.status || (before.status == .registered && after.status == .discarded))
                // One axis at a time.
                #expect(before.intent == after.intent || before.status == after.status)
            }
        }
    }

    @Test func discardedAndRetractedNeverChangeAgain() async {
        await propertyCheck(input: Self.inputs.steps, Self.inputs.runCase, Self.inputs.source) { raw, runCase, sourceInProduction in
            let genesis = try Self.genesis(runCase: runCase, sourceInProduction: sourceInProduction)
            let (states, outcomes) = try Self.play(Self.steps(raw), from: genesis.events, sources: genesis.sources)
            for (offset, outcome) in outcomes.enumerated() {
                let before = states[offset]
                // Discarded is a stronger terminal: nothing is accepted after it.
                if before.status == .discarded, case .success = outcome { Issue.record("a command was accepted on a Discarded Dataset") }
                if before.intent == .retracted { #expect(states[offset + 1].intent == .retracted) }
            }
        }
    }

    @Test func onlyACompletedRunAndAProductionSourceAllowPromotion() async {
        await propertyCheck(input: Self.inputs.runCase, Self.inputs.source) { runCase, sourceInProduction in
            let genesis = try Self.genesis(runCase: runCase, sourceInProduction: sourceInProduction)
            let (_, outcomes) = try Self.play([.promote], from: genesis.events, sources: genesis.sources)
            let allowed = (runCase == 0 || runCase == 2) && sourceInProduction
            if case .success = outcomes[0] { #expect(allowed) } else { #expect(!allowed) }
        }
    }
}
