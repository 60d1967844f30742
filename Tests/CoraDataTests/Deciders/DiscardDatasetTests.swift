import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("DiscardDataset decider")
struct DiscardDatasetTests {
    static let id = SequentialIDs.id(1)
    let spec = DeciderSpec(DiscardDatasetDecider.decide, evolve: DatasetEvolve.evolve)
    let context = DiscardDatasetContext(now: Given.now)

    func discard() throws -> DiscardDataset { try DiscardDataset(datasetID: Self.id, reason: "bytes rotated out") }

    @Test func anyIntentMayBeDiscardedAndTheRecordIsKept() throws {
        let registered = try Given.registered(Self.id, name: "kept name")
        for history in [[registered], [registered, try Given.promoted(Self.id)], [registered, try Given.promoted(Self.id), try Given.demoted(Self.id)]] {
            let after = spec.given(history).when(try discard(), context).then([try Given.discarded(Self.id, "bytes rotated out", at: Given.now)])
            #expect(after?.status == .discarded && after?.name.value == "kept name")
        }
    }

    @Test func refusals() throws {
        spec.given([]).when(try discard(), context).then(fails: .notFound(Self.id))
        spec.given([try Given.registered(Self.id), try Given.discarded(Self.id)]).when(try discard(), context).then(fails: .cannotDiscard(Self.id, .discarded))
    }

    @Test func theReasonFollowsTheReasonRule() {
        #expect(throws: DatasetError.invalidDiscardReason("reason must not contain the control character U+0000")) {
            try DiscardDataset(datasetID: Self.id, reason: "a\u{0}b")
        }
    }
}
