import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("PromoteDataset decider")
struct PromoteDatasetTests {
    static let id = SequentialIDs.id(1), run = SequentialIDs.id(2), sourceA = SequentialIDs.id(4), sourceB = SequentialIDs.id(5)
    let spec = DeciderSpec(PromoteDatasetDecider.decide, evolve: DatasetEvolve.evolve)

    func promote(_ id: UUID = Self.id) throws -> PromoteDataset { try PromoteDataset(datasetID: id, reason: "QA passed") }
    func context(_ derivedFrom: [UUID: Dataset?] = [:]) -> PromoteDatasetContext { PromoteDatasetContext(derivedFrom: derivedFrom, now: Given.now) }

    @Test func promotesATrialDatasetWithItsReason() throws {
        let after = spec.given([try Given.registered(Self.id)]).when(try promote(), context())
            .then([try Given.promoted(Self.id, "QA passed", at: Given.now)])
        #expect(after?.intent == .production && after?.updatedAt == Given.now && after?.version == 2)
    }

    @Test func refusals() throws {
        let registered = try Given.registered(Self.id)
        spec.given([]).when(try promote(), context()).then(fails: .notFound(Self.id))
        spec.given([registered, try Given.discarded(Self.id)]).when(try promote(), context()).then(fails: .cannotPromote(Self.id, .discarded))
        // Discarded wins over already-Production: status is checked first.
        spec.given([registered, try Given.promoted(Self.id), try Given.discarded(Self.id)]).when(try promote(), context())
            .then(fails: .cannotPromote(Self.id, .discarded))
        spec.given([registered, try Given.promoted(Self.id)]).when(try promote(), context()).then(fails: .alreadyPromoted(Self.id))
        spec.given([registered, try Given.promoted(Self.id), try Given.demoted(Self.id)]).when(try promote(), context())
            .then(fails: .cannotPromote(Self.id, .retracted))
    }

    @Test func usesTheCapturedRunStateNotTheRunsCurrentOne() throws {
        spec.given([try Given.registered(Self.id, producingRun: Self.run, endState: .completed)]).when(try promote(), context())
            .then([try Given.promoted(Self.id, "QA passed", at: Given.now)])
        for state in [RunEndState.aborted, .stopped, .truncated] {
            spec.given([try Given.registered(Self.id, producingRun: Self.run, endState: state)]).when(try promote(), context())
                .then(fails: .cannotPromote(Self.id, .producingRunNotCompleted(state)))
        }
        // Registered while the Run was still Running: captured as null, so it can never be promoted, even
        // though the Run may have completed since (capture, don't recompute).
        spec.given([try Given.registered(Self.id, producingRun: Self.run, endState: nil)]).when(try promote(), context())
            .then(fails: .cannotPromote(Self.id, .producingRunNotCompleted(nil)))
    }

    @Test func everyDerivedFromMustBeProductionByIntentOnly() throws {
        let child = try Given.registered(Self.id, derivedFrom: [Self.sourceA, Self.sourceB])
        let trialA = Given.dataset([try Given.registered(Self.sourceA)])
        let productionB = Given.dataset([try Given.registered(Self.sourceB), try Given.promoted(Self.sourceB)])
        let productionThenDiscardedA = Given.dataset([try Given.registered(Self.sourceA), try Given.promoted(Self.sourceA), try Given.discarded(Self.sourceA)])
        spec.given([child]).when(try promote(), context([Self.sourceA: trialA, Self.sourceB: productionB]))
            .then(fails: .cannotPromote(Self.id, .derivedFromNotProduction([Self.sourceA])))
        spec.given([child]).when(try promote(), context([Self.sourceA: nil, Self.sourceB: nil]))
            .then(fails: .cannotPromote(Self.id, .derivedFromNotProduction([Self.sourceA, Self.sourceB])))
        spec.given([child]).when(try promote(), context([Self.sourceA: productionThenDiscardedA, Self.sourceB: productionB]))
            .then([try Given.promoted(Self.id, "QA passed", at: Given.now)])
    }

    @Test func theReasonFollowsTheReasonRule() {
        #expect(throws: DatasetError.invalidPromotionReason("reason must not be empty or only white space")) { try PromoteDataset(datasetID: Self.id, reason: " \t") }
    }
}
