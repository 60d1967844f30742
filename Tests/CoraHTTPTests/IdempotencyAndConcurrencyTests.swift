import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("Idempotency (§6) and optimistic concurrency")
struct IdempotencyAndConcurrencyTests {
    @Test(arguments: StoreKind.allCases) func replayReturnsTheSameAnswerForTheSameLogicalRequest(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let calibrations = [UUID(), UUID()].map(\.lowercased)
            let first = try await app.register(["used_calibrations": .array(calibrations.map(JSONValue.string)), "derived_from": []], key: "key-1")
            #expect(first.status == 201 && first.headers[.init("Idempotent-Replayed")!] == nil)
            // Lists reordered, other case, other white space, [] versus absent, 1e0-style numbers: the same request.
            let body = Fixtures.registerBody(["used_calibrations": .array(calibrations.reversed().map { .string($0.uppercased()) }),
                                              "byte_size": .number("4.831838208e9"), "subject_id": .null])
            var raw = CanonicalJSON.bytes(body)
            raw.insert(contentsOf: Array("  \n".utf8), at: 1)
            let again = try await app.send(.post, "/datasets", headers: ["Idempotency-Key": "key-1"], raw: raw)
            #expect(again.status == 201)
            #expect(again.bytes == first.bytes)
            #expect(again.headers[.location] == first.headers[.location])
            #expect(again.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(try await app.eventCount() == 1)

            let different = try await app.register(["name": "another"], key: "key-1")
            #expect(different.status == 422 && different.code == "IdempotencyKeyReused")
            #expect(try await app.eventCount() == 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func keysAreScopedPerPrincipal(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let other = UUID().lowercased
            let mine = try await app.register(key: "shared")
            let theirs = try await app.register(key: "shared", principal: other)
            #expect(mine.status == 201 && theirs.status == 201)
            #expect(mine.string("dataset_id") != theirs.string("dataset_id"))
            #expect(try await app.eventCount() == 2)
        }
    }

    @Test(arguments: StoreKind.allCases) func anErroredAttemptDoesNotBurnTheKey(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let missingRun = UUID().lowercased
            #expect(try await app.register(["producing_run_id": .string(missingRun)], key: "retry-me").code == "ProducingRunMissing")
            #expect(try await app.register(["name": ""], key: "retry-me").code == "InvalidDatasetName")
            // The same key now carries a different (valid) request and is accepted.
            #expect(try await app.register(key: "retry-me").status == 201)
            #expect(try await app.register(key: "retry-me").headers[.init("Idempotent-Replayed")!] == "true")
        }
    }

    @Test(arguments: StoreKind.allCases) func optionalKeysOnRunAndSubjectCreates(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let first = try await app.send(.post, "/subjects", headers: ["Idempotency-Key": "s1"], json: ["name": "x"])
            let second = try await app.send(.post, "/subjects", headers: ["Idempotency-Key": "s1"], json: ["name": " x "])
            #expect(first.status == 201 && second.bytes == first.bytes && second.headers[.init("Idempotent-Replayed")!] == "true")
            // The key space is shared per principal, so the same key on another slice is a reuse.
            #expect(try await app.send(.post, "/runs", headers: ["Idempotency-Key": "s1"], json: ["name": "x"]).code == "IdempotencyKeyReused")
            #expect(try await app.send(.post, "/runs", json: ["name": "x"]).status == 201)
        }
    }

    @Test(arguments: StoreKind.allCases) func twentyConcurrentIdenticalRegistersMakeOneDataset(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let replies = try await withThrowingTaskGroup(of: Harness.Reply.self) { group in
                for _ in 0..<20 { group.addTask { try await app.register(key: "burst") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = replies.filter { $0.status == 201 }
            let inFlight = replies.filter { $0.status == 409 && $0.code == "IdempotencyKeyInFlight" }
            #expect(created.count + inFlight.count == 20, "\(replies.map(\.status))")
            #expect(Set(created.compactMap { $0.string("dataset_id") }).count == 1)
            #expect(created.filter { $0.headers[.init("Idempotent-Replayed")!] == nil }.count == 1)
            #expect(try await app.eventCount() == 1)
            let listed = try await app.send(.get, "/datasets")
            guard case .array(let items)? = listed.json?["items"] else { Issue.record("no items"); return }
            #expect(items.count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func tenConcurrentPromotesGiveOneEvent(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let id = try await app.registered()
            let replies = try await withThrowingTaskGroup(of: Harness.Reply.self) { group in
                for n in 0..<10 { group.addTask { try await app.command(id, "promote", reason: "reviewer \(n)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.filter { $0.status == 204 }.count == 1)
            #expect(replies.filter { $0.status == 409 && $0.code == "DatasetAlreadyPromoted" }.count == 9)
            let history = try await app.send(.get, "/datasets/\(id)/history")
            guard case .array(let events)? = history.json?["events"] else { Issue.record("no events"); return }
            #expect(events.filter { $0["event_type"] == "DatasetPromoted" }.count == 1)
        }
    }
}

/// Always the same id: the second registration finds its stream taken.
struct ConstantIDs: IDGenerator {
    let id = SequentialIDs.id(4242)
    func next() -> UUID { id }
}

@Suite("Genesis on an existing stream")
struct GenesisConflictTests {
    @Test(arguments: StoreKind.allCases) func registeringOntoAnExistingStreamIsDatasetAlreadyExists(_ kind: StoreKind) async throws {
        try await Harness.run(kind, ids: ConstantIDs()) { (app: Harness) async throws in
            #expect(try await app.register().status == 201)
            let second = try await app.register()
            #expect(second.status == 409 && second.code == "DatasetAlreadyExists")
            #expect(try await app.eventCount() == 1)
        }
    }
}
