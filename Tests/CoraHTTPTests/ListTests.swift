import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Synchronization
import Testing

@Suite("ListDatasets: keyset pages, filters, cursors")
struct ListTests {
    func items(_ reply: Harness.Reply) -> [JSONValue] {
        guard case .array(let items)? = reply.json?["items"] else { return [] }
        return items
    }

    func ids(_ reply: Harness.Reply) -> [String] {
        items(reply).compactMap { item in
            guard case .string(let id)? = item["dataset_id"] else { return nil }
            return id
        }
    }

    /// Follows next_cursor to the end, returning every id in order.
    func walk(_ app: Harness, query: String) async throws -> [String] {
        var all: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let separator = query.isEmpty ? "" : "&"
            let uri = "/datasets?" + query + (cursor.map { "\(separator)cursor=\($0)" } ?? "")
            let reply = try await app.send(.get, uri)
            try #require(reply.status == 200, "\(uri) → \(reply.status) \(String(decoding: reply.bytes, as: UTF8.self))")
            all += ids(reply)
            if case .string(let next)? = reply.json?["next_cursor"] { cursor = next } else { cursor = nil }
            pages += 1
        } while cursor != nil && pages < 10_000
        return all
    }

    @Test(arguments: StoreKind.allCases) func walkingAThousandDatasetsReturnsEachExactlyOnceInOrder(_ kind: StoreKind) async throws {
        // Every register shares one timestamp tick with another, so ordering by id inside a tick is exercised too.
        try await Harness.run(kind, clock: RepeatingClock()) { (app: Harness) async throws in
            var registered: [String] = []
            for _ in 0..<1000 { registered.append(try await app.registered()) }
            let walked = try await walk(app, query: "limit=37")
            #expect(walked.count == 1000)
            #expect(Set(walked) == Set(registered))
            let rows = try await app.store.listDatasets(DatasetListFilter(), after: nil, limit: 1001)
            #expect(walked == rows.map(\.datasetID.lowercased))
            #expect(rows.map { "\($0.createdAt.microsecondsSinceEpoch)-\($0.datasetID.lowercased)" }.isSorted)
            #expect(try await walk(app, query: "").count == 1000)
            let exact = try await app.send(.get, "/datasets?limit=100")
            #expect(ids(exact).count == 100 && exact.json?.member("next_cursor") != .null)
        }
    }

    @Test(arguments: StoreKind.allCases) func nextCursorIsNullExactlyWhenNothingLaterMatches(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            for _ in 0..<4 { _ = try await app.registered() }
            let full = try await app.send(.get, "/datasets?limit=4")
            #expect(ids(full).count == 4 && full.json?.member("next_cursor") == .null)
            let partial = try await app.send(.get, "/datasets?limit=3")
            guard case .string(let cursor)? = partial.json?["next_cursor"] else { Issue.record("expected a cursor"); return }
            let rest = try await app.send(.get, "/datasets?limit=3&cursor=\(cursor)")
            #expect(ids(rest).count == 1 && rest.json?.member("next_cursor") == .null)
            #expect(ids(try await app.send(.get, "/datasets")).count == 4)
        }
    }

    @Test(arguments: StoreKind.allCases) func everyFilterAndTheirCombinations(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let subject = try await app.createSubject()
            let run = try await app.startRun(subject: subject)
            let (c1, c2, c3) = (UUID().lowercased, UUID().lowercased, UUID().lowercased)
            let a = try await app.registered(["producing_run_id": .string(run), "subject_id": .string(subject), "used_calibrations": [.string(c1), .string(c2)]])
            let b = try await app.registered(["producing_run_id": .string(run), "used_calibrations": [.string(c1)]])
            let c = try await app.registered(["subject_id": .string(subject), "used_calibrations": [.string(c2), .string(c3)]])
            let d = try await app.registered()
            _ = try await app.command(b, "discard")
            let cases: [(String, [String])] = [
                ("", [a, b, c, d]),
                ("status=Registered", [a, c, d]),
                ("status=Discarded", [b]),
                ("producing_run_id=\(run)", [a, b]),
                ("subject_id=\(subject)", [a, c]),
                ("used_calibrations=\(c1)", [a, b]),
                ("used_calibrations=\(c2)", [a, c]),
                ("used_calibrations=\(c1)&used_calibrations=\(c2)", [a]),
                ("used_calibrations=\(c1.uppercased())&used_calibrations=\(c1)", [a, b]),
                ("used_calibrations=\(c1)&used_calibrations=\(c3)", []),
                ("used_calibrations=\(c1)&status=Registered", [a]),
                ("producing_run_id=\(run)&subject_id=\(subject)", [a]),
                ("subject_id=\(subject)&used_calibrations=\(c3)&status=Registered", [c]),
                ("producing_run_id=\(run)&status=Discarded&used_calibrations=\(c1)", [b]),
                ("producing_run_id=\(UUID().lowercased)", []),
            ]
            for (query, expected) in cases {
                #expect(try await walk(app, query: query + (query.isEmpty ? "limit=1" : "&limit=1")) == expected, "\(query)")
            }
            let item = items(try await app.send(.get, "/datasets?used_calibrations=\(c3)")).first
            guard case .object(let members)? = item else { Issue.record("no item"); return }
            #expect(Set(members.keys) == ["dataset_id", "name", "uri", "producing_run_id", "subject_id", "status", "used_calibrations", "created_at"])
            #expect(item?["used_calibrations"] == .array([c2, c3].sorted().map(JSONValue.string)))
        }
    }

    @Test(arguments: StoreKind.allCases) func malformedQueriesAndCursorsAreRefused(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            for _ in 0..<3 { _ = try await app.registered() }
            let page = try await app.send(.get, "/datasets?limit=1")
            guard case .string(let cursor)? = page.json?["next_cursor"] else { Issue.record("expected a cursor"); return }
            // A valid cursor is a position only: it may be reused with other filters.
            #expect(try await app.send(.get, "/datasets?status=Registered&cursor=\(cursor)").status == 200)
            var tampered = Array(cursor)
            tampered[5] = tampered[5] == "A" ? "B" : "A"
            for bad in [String(tampered), String(cursor.dropLast()), cursor + "A", "", "%00", "not-a-cursor", String(repeating: "A", count: 43)] {
                #expect(try await app.send(.get, "/datasets?cursor=\(bad)").code == "InvalidCursor", "\(bad)")
            }
            for query in ["limit=0", "limit=101", "limit=ten", "limit=1.5", "limit=-1", "limit=+5", "status=registered", "status=", "statuss=Registered",
                          "producing_run_id=123", "subject_id=", "used_calibrations=x", "limit=5&limit=6", "status=Registered&status=Discarded",
                          "cursor=\(cursor)&cursor=\(cursor)", "Limit=5", "&", "used_calibrations", "name=x", "%ZZ=1"] {
                #expect(try await app.send(.get, "/datasets?\(query)").code == "InvalidRequest", "\(query)")
            }
        }
    }
}

/// Hands out each microsecond twice, so pairs of datasets share `created_at`.
final class RepeatingClock: WallClock {
    private let inner = ManualClock()
    private let toggle = Synchronization.Mutex<(Bool, Timestamp?)>((false, nil))

    func now() -> Timestamp {
        toggle.withLock { state in
            if state.0, let last = state.1 {
                state.0 = false
                return last
            }
            let next = inner.now()
            state = (true, next)
            return next
        }
    }
}

extension Array where Element: Comparable {
    var isSorted: Bool { zip(self, dropFirst()).allSatisfy { $0 <= $1 } }
}
