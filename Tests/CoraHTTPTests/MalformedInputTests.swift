import CoraData
import CoraKernel
import CoraTestSupport
import CoraWire
import Foundation
import Testing

/// Deterministic so a failure reproduces: SplitMix64.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Produces request bodies that must all be refused: random JSON shapes, wrong types, huge numbers,
/// invalid UTF-8, NUL bytes, deep nesting, and near-miss versions of a valid body.
struct MalformedBodies {
    var random: SeededGenerator
    let validRegister = Fixtures.registerBody()

    static let keys = ["name", "uri", "checksum", "byte_size", "encoding", "producing_run_id", "subject_id", "derived_from",
                       "used_calibrations", "reason", "algorithm", "value", "media_type", "conforms_to", "extra", "", "Name", "name\u{0}"]
    static let numbers = ["0", "-1", "1e999999", "-1e-999999", "1.5", "9223372036854775808", String(repeating: "9", count: 400),
                          "1e-400", "0.0000000001", "-0", "123456789012345678901234567890e10"]
    static let strings = ["", " ", "\u{0}", "a\u{0}b", "javascript:alert(1)", "java\tscript:x", String(repeating: "x", count: 3000),
                          "\u{202E}evil", "😀", "not-a-uuid", "0193a000-0000-7000-8000-00000000000", "\u{7F}", "\n", "s3://ok"]

    mutating func pick<T>(_ values: [T]) -> T { values[Int.random(in: 0..<values.count, using: &random)] }

    mutating func value(depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 7), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .number(pick(Self.numbers))
        case 3: return .string(pick(Self.strings))
        case 4: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...5, using: &random) { members[pick(Self.keys)] = value(depth: depth + 1) }
            return .object(members)
        }
    }

    /// One body for a route; `reasonRoute` bodies never form a valid `{"reason": "<ok>"}`.
    mutating func next(reasonRoute: Bool) -> [UInt8] {
        switch Int.random(in: 0..<9, using: &random) {
        case 0: // random bytes, often invalid UTF-8
            return (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        case 1: // valid JSON text with a NUL or invalid byte spliced into a string
            var bytes = Array(#"{"name":"abc","reason":"abc"}"#.utf8)
            bytes[10] = pick([0x00, 0xFF, 0xC0, 0xED, 0x80])
            return bytes
        case 2: // deep nesting
            let depth = Int.random(in: 65...5000, using: &random)
            return Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8)
        case 3: // truncated valid body
            let text = CanonicalJSON.bytes(reasonRoute ? ["reason": "fine"] : validRegister)
            return Array(text.prefix(Int.random(in: 0..<(text.count - 1), using: &random)))
        case 4, 5: // random shape
            var candidate = value(depth: 0)
            if reasonRoute, case .object(let members) = candidate, members.keys.sorted() == ["reason"], case .string? = members["reason"] {
                candidate = .object(members.merging(["extra": 1]) { $1 })
            }
            return CanonicalJSON.bytes(candidate)
        default: // near miss: one member of a valid body replaced by a wrong or hostile value
            if reasonRoute {
                switch Int.random(in: 0..<3, using: &random) {
                case 0:
                    var reason = value(depth: 2)
                    if case .string = reason { reason = 1 }
                    return CanonicalJSON.bytes(.object(["reason": reason]))
                case 1:
                    let bad: [String] = ["", " ", "\u{0}", "a\u{1}b", String(repeating: "r", count: 501)]
                    return CanonicalJSON.bytes(.object(["reason": .string(pick(bad))]))
                default:
                    let key = pick(Self.keys.filter { $0 != "reason" })
                    return CanonicalJSON.bytes(.object(["reason": "ok", key: value(depth: 2)]))
                }
            }
            guard case .object(var members) = validRegister else { return [] }
            let key = pick(Self.keys)
            var replacement = value(depth: 2)
            if key == "extra" || key == "" || key == "Name" || key == "name\u{0}" || key == "reason" || key == "algorithm" || key == "value"
                || key == "media_type" || key == "conforms_to" { replacement = replacement == .null ? 1 : replacement }
            members[key] = replacement
            if members == (validRegister.objectMembers ?? [:]) || isAcceptable(.object(members)) { members["extra"] = 1 }
            return CanonicalJSON.bytes(.object(members))
        }
    }

    /// Whether a near-miss happens to still be valid (e.g. `derived_from: null`); those are made invalid.
    func isAcceptable(_ body: JSONValue) -> Bool {
        (try? Slices.registerDataset.command(from: WireRequest(body: .json(body)))).map { command in
            command.producingRunID == nil && command.subjectID == nil && command.derivedFrom.isEmpty
        } ?? false
    }
}

extension JSONValue {
    var objectMembers: [String: JSONValue]? {
        guard case .object(let members) = self else { return nil }
        return members
    }
}

@Suite("Bad input never hurts")
struct MalformedInputTests {
    @Test(arguments: StoreKind.allCases) func thousandsOfMalformedBodiesAreAllRefusedAsProblemsAndStoreNothing(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let target = try await app.registered()
            let before = try await app.eventCount()
            var generator = MalformedBodies(random: SeededGenerator(state: 0xC0DA))
            var statuses: [Int: Int] = [:]
            for round in 0..<3000 {
                let routes = ["/datasets", "/datasets/\(target)/promote", "/datasets/\(target)/demote", "/datasets/\(target)/discard"]
                let route = routes[round % routes.count]
                let body = generator.next(reasonRoute: route != "/datasets")
                let reply = try await app.send(.post, route, headers: route == "/datasets" ? ["Idempotency-Key": "fuzz-\(round)"] : [:], raw: body)
                statuses[reply.status, default: 0] += 1
                let problem = reply.headers[.contentType] == "application/problem+json" && reply.code != nil
                #expect((400..<500).contains(reply.status) && problem,
                        "round \(round) \(route): \(reply.status) for \(String(decoding: body.prefix(200), as: UTF8.self))")
                if !(400..<500).contains(reply.status) { break }
            }
            #expect(try await app.eventCount() == before)
            // The generator must reach both shape (422) and value (400) refusals, or it tests little.
            #expect((statuses[422] ?? 0) > 300 && (statuses[400] ?? 0) > 100, "\(statuses)")
        }
    }

    @Test(arguments: StoreKind.allCases) func hostileHeadersAndQueriesAreRefusedCleanly(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let before = try await app.eventCount()
            var random = SeededGenerator(state: 42)
            let principals = ["", " ", "null", "11111111-2222-3333-4444-55555555555", "11111111-2222-3333-4444-555555555555x", String(repeating: "a", count: 5000)]
            for principal in principals {
                #expect(try await app.send(.get, "/datasets", principal: principal).status == 401)
            }
            for contentType in ["application/jsonx", "text/json", "application/problem+json", "", "multipart/form-data; boundary=x"] {
                #expect(try await app.send(.post, "/datasets", headers: ["Idempotency-Key": "k"], json: Fixtures.registerBody(), contentType: contentType).status == 415)
            }
            #expect(try await app.send(.post, "/datasets", headers: ["Idempotency-Key": "k"], json: Fixtures.registerBody(), contentType: "Application/JSON; charset=utf-8").status == 201)
            for _ in 0..<500 {
                let query = String((0..<Int.random(in: 1...40, using: &random)).map { _ in
                    Character(Unicode.Scalar(UInt8.random(in: 0x21...0x7E, using: &random)))
                }).replacingOccurrences(of: "#", with: "%23")
                let reply = try await app.send(.get, "/datasets?" + query)
                #expect(reply.status == 200 || ((400..<500).contains(reply.status) && reply.code != nil), "\(query) → \(reply.status)")
            }
            #expect(try await app.eventCount() == before + 1)
        }
    }
}
