import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("The seed's examples and every slice, through the router")
struct DatasetFlowTests {
    @Test(arguments: StoreKind.allCases) func seedExamplesEndToEnd(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let subject = try await app.createSubject()
            let run = try await app.startRun(subject: subject)
            #expect(try await app.endRun(run, "Completed").status == 204)
            let calibration = UUID().uuidString.lowercased()
            let reply = try await app.register(["producing_run_id": .string(run), "subject_id": .string(subject), "derived_from": [],
                                                "used_calibrations": [.string(calibration)]])
            #expect(reply.status == 201)
            let id = try #require(reply.string("dataset_id"))
            #expect(reply.headers[.location] == "/datasets/\(id)")

            let fetched = try await app.send(.get, "/datasets/\(id)")
            #expect(fetched.status == 200)
            #expect(fetched.headers[.eTag] == "\"1\"")
            #expect(fetched.string("status") == "Registered" && fetched.string("intent") == "Trial")
            #expect(fetched.string("producing_run_end_state") == "Completed")

            #expect(try await app.command(id, "promote", reason: "Reviewed by beamline lead").status == 204)
            #expect(try await app.send(.get, "/datasets/\(id)").string("intent") == "Production")
            #expect(try await app.command(id, "demote", reason: "Rotation-center calibration drift").status == 204)
            let retracted = try await app.send(.get, "/datasets/\(id)")
            #expect(retracted.string("intent") == "Retracted" && retracted.headers[.eTag] == "\"3\"")

            let trial = try await app.registered()
            #expect(try await app.command(trial, "discard", reason: "bytes deleted by rotation").status == 204)
            #expect(try await app.send(.get, "/datasets/\(trial)").string("status") == "Discarded")
            let refused = try await app.register(["derived_from": [.string(trial)]])
            #expect(refused.status == 409 && refused.code == "DerivedFromDatasetsDiscarded")

            let page = try await app.send(.get, "/datasets?used_calibrations=\(calibration)&limit=50")
            guard case .array(let items)? = page.json?["items"] else { Issue.record("no items"); return }
            #expect(items.count == 1 && items.first?["dataset_id"] == .string(id))
            #expect(page.json?.member("next_cursor") == .null)

            let history = try await app.send(.get, "/datasets/\(id)/history")
            guard case .array(let events)? = history.json?["events"] else { Issue.record("no events"); return }
            #expect(events.compactMap { $0["event_type"] } == ["DatasetRegistered", "DatasetPromoted", "DatasetDemoted"])
            #expect(events[1]["payload"]?["reason"] == "Reviewed by beamline lead")
            #expect(events.allSatisfy { $0["actor_id"] == .string(Harness.principal) })
        }
    }

    @Test(arguments: StoreKind.allCases) func getAnswersTheWholeFoldedState(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let source = try await app.registered()
            let calibrations = [UUID(), UUID()].map { $0.lowercased }
            let id = try await app.registered(["derived_from": [.string(source.uppercased())], "used_calibrations": .array(calibrations.reversed().map(JSONValue.string))])
            let body = try #require(try await app.send(.get, "/datasets/\(id)").json)
            guard case .object(let members) = body else { Issue.record("not an object"); return }
            #expect(Set(members.keys) == ["id", "name", "uri", "checksum", "byte_size", "encoding", "producing_run_id", "producing_run_end_state",
                                          "subject_id", "derived_from", "used_calibrations", "status", "intent", "created_at", "updated_at", "version"])
            #expect(body["derived_from"] == [.string(source)])
            #expect(body["used_calibrations"] == .array(calibrations.sorted().map(JSONValue.string)))
            #expect(body["byte_size"] == .number("4831838208"))
            #expect(body["checksum"]?["algorithm"] == "sha256")
            // Wire timestamps are RFC 3339 UTC with exactly six fraction digits.
            for member in ["created_at", "updated_at"] {
                guard case .string(let stamp)? = body[member] else { Issue.record("no \(member)"); continue }
                #expect(stamp.count == 27 && stamp.hasSuffix("Z") && stamp.dropFirst(19).first == "." && Timestamp(rfc3339: stamp)?.rfc3339 == stamp, "\(stamp)")
            }
        }
    }

    @Test(arguments: StoreKind.allCases) func promoteNeedsACompletedRunAndProductionSources(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let running = try await app.startRun()
            let early = try await app.registered(["producing_run_id": .string(running)])
            _ = try await app.endRun(running, "Completed")
            let refused = try await app.command(early, "promote")
            #expect(refused.status == 409 && refused.code == "DatasetCannotPromote" && refused.string("reason") == "producing_run_not_completed")
            #expect(try await app.send(.get, "/datasets/\(early)").json?.member("producing_run_end_state") == .null, "captured at registration, not recomputed")

            let aborted = try await app.startRun()
            _ = try await app.endRun(aborted, "Aborted")
            let fromAborted = try await app.registered(["producing_run_id": .string(aborted)])
            #expect(try await app.command(fromAborted, "promote").string("reason") == "producing_run_not_completed")

            let source = try await app.registered()
            let child = try await app.registered(["derived_from": [.string(source)]])
            let blocked = try await app.command(child, "promote")
            #expect(blocked.string("reason") == "derived_from_not_production" && blocked.json?["not_production_ids"] == [.string(source)])
            #expect(try await app.command(source, "promote").status == 204)
            #expect(try await app.command(child, "promote").status == 204)
        }
    }

    @Test(arguments: StoreKind.allCases) func strictReentryOnBothAxes(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let id = try await app.registered()
            #expect(try await app.command(id, "demote").string("reason") == "trial")
            #expect(try await app.command(id, "promote").status == 204)
            #expect(try await app.command(id, "promote").code == "DatasetAlreadyPromoted")
            #expect(try await app.command(id, "demote").status == 204)
            #expect(try await app.command(id, "demote").code == "DatasetAlreadyRetracted")
            let retractedPromote = try await app.command(id, "promote")
            #expect(retractedPromote.code == "DatasetCannotPromote" && retractedPromote.string("reason") == "retracted")
            #expect(try await app.command(id, "discard").status == 204)
            #expect(try await app.command(id, "discard").code == "DatasetCannotDiscard")
            let discardedPromote = try await app.command(id, "promote")
            #expect(discardedPromote.code == "DatasetCannotPromote" && discardedPromote.string("reason") == "discarded")
            #expect(try await app.command(id, "demote").string("reason") == "discarded")
        }
    }

    @Test(arguments: StoreKind.allCases) func runAndSubjectSlices(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let subject = try await app.createSubject()
            let gotSubject = try await app.send(.get, "/subjects/\(subject)")
            #expect(gotSubject.string("name") == "pellet B-12" && gotSubject.string("id") == subject)
            let run = try await app.startRun(subject: subject)
            #expect(try await app.send(.get, "/runs/\(run)").string("status") == "Running")
            #expect(try await app.endRun(run, "Finished").code == "InvalidRunEndState")
            #expect(try await app.endRun(run, "Running").code == "InvalidRunEndState")
            #expect(try await app.endRun(run, "Truncated").status == 204)
            #expect(try await app.endRun(run, "Completed").code == "RunAlreadyEnded")
            let ended = try await app.send(.get, "/runs/\(run)")
            #expect(ended.string("status") == "Truncated" && ended.json?.member("ended_at") != .null)
            #expect(try await app.send(.post, "/runs", json: ["name": "r", "subject_id": .string(UUID().lowercased)]).code == "SubjectNotFound")
            #expect(try await app.send(.post, "/runs", json: ["name": ""]).code == "InvalidRunName")
            #expect(try await app.send(.post, "/subjects", json: ["name": .string(String(repeating: "s", count: 201))]).code == "InvalidSubjectName")
            #expect(try await app.send(.get, "/runs/\(UUID().lowercased)").code == "RunNotFound")
            #expect(try await app.send(.get, "/subjects/\(UUID().lowercased)").code == "SubjectNotFound")
            #expect(try await app.register(["producing_run_id": .string(UUID().lowercased)]).code == "ProducingRunMissing")
            #expect(try await app.register(["subject_id": .string(UUID().lowercased)]).code == "LinkedSubjectMissing")
            let missing = [UUID(), UUID()].map(\.lowercased)
            let reply = try await app.register(["derived_from": .array(missing.map(JSONValue.string))])
            #expect(reply.code == "DerivedFromDatasetsMissing" && reply.json?["missing_ids"] == .array(missing.sorted().map(JSONValue.string)))
        }
    }
}
