import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("DemoteDataset decider")
struct DemoteDatasetTests {
    static let id = SequentialIDs.id(1)
    let spec = DeciderSpec(DemoteDatasetDecider.decide, evolve: DatasetEvolve.evolve)
    let context = DemoteDatasetContext(now: Given.now)

    func demote() throws -> DemoteDataset { try DemoteDataset(datasetID: Self.id, reason: "calibration drift") }

    @Test func retractsAProductionDatasetKeepingBothReasons() throws {
        let after = spec.given([try Given.registered(Self.id), try Given.promoted(Self.id, "QA passed")]).when(try demote(), context)
            .then([try Given.demoted(Self.id, "calibration drift", at: Given.now)])
        #expect(after?.intent == .retracted && after?.version == 3)
    }

    @Test func refusals() throws {
        let registered = try Given.registered(Self.id), promoted = try Given.promoted(Self.id)
        spec.given([]).when(try demote(), context).then(fails: .notFound(Self.id))
        spec.given([registered, promoted, try Given.discarded(Self.id)]).when(try demote(), context).then(fails: .cannotDemote(Self.id, .discarded))
        spec.given([registered, promoted, try Given.demoted(Self.id)]).when(try demote(), context).then(fails: .alreadyRetracted(Self.id))
        spec.given([registered]).when(try demote(), context).then(fails: .cannotDemote(Self.id, .trial))
    }

    @Test func theReasonFollowsTheReasonRule() {
        #expect(throws: DatasetError.invalidDemotionReason("reason must be at most 500 characters after trimming; got 501")) {
            try DemoteDataset(datasetID: Self.id, reason: String(repeating: "r", count: 501))
        }
    }
}
