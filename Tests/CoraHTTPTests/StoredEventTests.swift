import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

/// What was accepted once stays readable: the read side never applies today's write rules.
@Suite("Events stored under older rules")
struct StoredEventTests {
    @Test(arguments: StoreKind.allCases)
    func anEventTodaysRulesWouldRefuseIsStillServedAndRebuilt(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let id = UUID().lowercased
            let longName = String(repeating: "n", count: 300)
            guard case .object(var payload) = Fixtures.registerBody(["name": .string(longName)]) else { return }
            for (member, value): (String, JSONValue) in [("dataset_id", .string(id)), ("producing_run_id", .null), ("subject_id", .null), ("derived_from", []),
                                                         ("producing_run_end_state", .null), ("intent", "Trial"), ("used_calibrations", []),
                                                         ("occurred_at", "2026-05-19T14:03:07.000000Z")] { payload[member] = value }
            let stream = StreamID(.dataset, try #require(UUID(strict: id)))
            let event = PendingEvent(stream: stream, eventType: "DatasetRegistered", payload: .object(payload),
                                     occurredAt: try #require(Timestamp(rfc3339: "2026-05-19T14:03:07.000000Z")))
            // Straight through the event store port, as an older version of the service would have written it.
            _ = try await app.store.appending { tx in
                try await tx.append([event], metadata: EventMetadata(actorID: Fixtures.principal, correlationID: UUID()), expectedVersions: [stream: 0])
            }
            let got = try await app.send(.get, "/datasets/\(id)")
            #expect(got.status == 200 && got.string("name") == longName)
            #expect(try await app.send(.get, "/datasets/\(id)/history").status == 200)
            // The read-model rows were never written (the append bypassed them); a rebuild writes them.
            let report = try await RebuildReadModels(store: app.store).run()
            #expect(report.rewritten == ["proj_data_dataset_summary": 1, "proj_data_dataset_states": 1])
            let listed = try await app.send(.get, "/datasets")
            guard case .array(let items)? = listed.json?["items"] else { Issue.record("no items"); return }
            #expect(items.compactMap { $0["name"] } == [.string(longName)])
            // And the Dataset still takes commands.
            #expect(try await app.command(id, "promote").status == 204)
        }
    }
}
