import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("Identity, authorization, problem+json and the order of checks")
struct EnvelopeTests {
    @Test(arguments: StoreKind.allCases) func identityIsRequiredAndMustBeAUUID(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            for uri in ["/datasets", "/datasets/\(UUID().lowercased)", "/runs/\(UUID().lowercased)", "/subjects/\(UUID().lowercased)"] {
                #expect(try await app.send(.get, uri, principal: nil).code == "Unauthenticated")
                #expect(try await app.send(.get, uri, principal: "alice").status == 401)
            }
            // Only HTTP's own white space (spaces, tabs) may surround the value; a no-break space may not.
            #expect(try await app.send(.get, "/datasets", principal: " \(Harness.principal)\t").status == 200)
            #expect(try await app.send(.get, "/datasets", principal: "\u{00A0}\(Harness.principal)").status == 401)
            #expect(try await app.send(.post, "/datasets", principal: nil, headers: ["Idempotency-Key": "k"], json: Fixtures.registerBody()).status == 401)
            #expect(try await app.send(.post, "/mcp", principal: nil, json: ["jsonrpc": "2.0", "id": 1, "method": "tools/list"]).code == "Unauthenticated")
            #expect(try await app.send(.get, "/healthz", principal: nil).status == 200)
            #expect(try await app.send(.get, "/readyz", principal: nil).status == 200)
        }
    }

    @Test(arguments: StoreKind.allCases) func problemsAreRFC9457WithTheContractMembers(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let reply = try await app.send(.get, "/datasets/\(UUID().lowercased)")
            #expect(reply.status == 404)
            #expect(reply.headers[.contentType] == "application/problem+json")
            let problem = try #require(reply.json)
            #expect(problem["type"] == "urn:cora:error:DatasetNotFound" && problem["title"] == "DatasetNotFound" && problem["status"] == 404)
            #expect(problem["detail"] != nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func checksRunInTheContractOrder(_ kind: StoreKind) async throws {
        let grants = #"{"grants":[{"principal":"11111111-2222-3333-4444-555555555555","allow":["GetDataset"]}]}"#
        let policy = try AccessPolicy(json: Array(grants.utf8))
        try await Harness.run(kind, policy: policy) { (app: Harness) async throws in
            let big = [UInt8](repeating: UInt8(ascii: "a"), count: (1 << 20) + 1)
            // 413 beats everything, even a missing identity and a wrong content type.
            #expect(try await app.send(.post, "/datasets", principal: nil, raw: big, contentType: "text/plain").code == "PayloadTooLarge")
            // 415 beats 401.
            #expect(try await app.send(.post, "/datasets", principal: nil, raw: Array("{}".utf8), contentType: "text/plain").code == "UnsupportedMediaType")
            #expect(try await app.send(.post, "/datasets", principal: nil, raw: Array("{}".utf8), contentType: nil).code == "UnsupportedMediaType")
            // 401 beats 403.
            #expect(try await app.send(.post, "/datasets", principal: nil, json: [:]).code == "Unauthenticated")
            // 403 beats the idempotency key and the body.
            #expect(try await app.send(.post, "/datasets", json: ["junk": 1]).code == "Unauthorized")
            #expect(try await app.send(.post, "/datasets/not-a-uuid/promote", json: ["junk": 1]).code == "Unauthorized")
            #expect(try await app.send(.get, "/datasets").code == "Unauthorized")
            // A granted query passes; its malformed id is a 422 only after authorization.
            #expect(try await app.send(.get, "/datasets/not-a-uuid").code == "InvalidRequest")
            #expect(try await app.send(.get, "/datasets/\(UUID().lowercased)").code == "DatasetNotFound")
        }
        try await Harness.run(kind) { (app: Harness) async throws in
            // Idempotency-Key (400) beats shape (422); shape beats values (400); values beat loads (404).
            #expect(try await app.send(.post, "/datasets", json: ["junk": 1]).code == "IdempotencyKeyMissing")
            #expect(try await app.send(.post, "/datasets", headers: ["Idempotency-Key": String(repeating: "k", count: 256)], json: ["junk": 1]).code == "InvalidIdempotencyKey")
            #expect(try await app.send(.post, "/datasets", headers: ["Idempotency-Key": String(repeating: "k", count: 255)], json: ["junk": 1]).code == "InvalidRequest")
            #expect(try await app.register(["name": "", "producing_run_id": .string(UUID().lowercased)]).code == "InvalidDatasetName")
            #expect(try await app.register(["uri": "javascript:alert(1)"]).code == "InvalidDatasetUri")
            #expect(try await app.register(["checksum": ["algorithm": "sha256", "value": "abc"]]).code == "InvalidDatasetChecksum")
            #expect(try await app.register(["byte_size": .number("1e30")]).code == "InvalidDatasetByteSize")
            #expect(try await app.register(["byte_size": .number("1e3")]).status == 201)
            #expect(try await app.register(["encoding": ["media_type": "hdf5"]]).code == "InvalidDatasetEncoding")
            #expect(try await app.send(.post, "/datasets/\(UUID().lowercased)/promote", json: ["reason": ""]).code == "InvalidPromotionReason")
            #expect(try await app.send(.post, "/datasets/\(UUID().lowercased)/demote", json: ["reason": " "]).code == "InvalidDemotionReason")
            #expect(try await app.send(.post, "/datasets/\(UUID().lowercased)/discard", json: ["reason": .string(String(repeating: "r", count: 501))]).code == "InvalidDatasetDiscardReason")
            #expect(try await app.send(.post, "/datasets/\(UUID().lowercased)/promote", json: ["reason": "ok"]).code == "DatasetNotFound")
            #expect(try await app.send(.post, "/datasets/\(UUID().lowercased)/promote", json: ["reason": "ok", "by": "me"]).code == "InvalidRequest")
            #expect(try await app.send(.post, "/datasets/\(UUID().lowercased)/promote").code == "InvalidRequest")
            #expect(try await app.send(.post, "/datasets/\(UUID().lowercased)/promote", raw: Array("{\"reason\":".utf8)).code == "InvalidRequest")
        }
    }

    @Test(arguments: StoreKind.allCases) func policyGrantsByPrincipalAndWildcard(_ kind: StoreKind) async throws {
        let reader = UUID().lowercased
        let grants = #"{"grants":[{"principal":"*","allow":["GetDataset","ListDatasets"]},{"principal":"11111111-2222-3333-4444-555555555555","allow":["*"]}]}"#
        try await Harness.run(kind, policy: try AccessPolicy(json: Array(grants.utf8))) { (app: Harness) async throws in
            let id = try await app.registered()
            #expect(try await app.send(.get, "/datasets/\(id)", principal: reader).status == 200)
            #expect(try await app.send(.get, "/datasets", principal: reader).status == 200)
            #expect(try await app.send(.post, "/datasets/\(id)/promote", principal: reader, json: ["reason": "x"]).code == "Unauthorized")
            #expect(try await app.send(.get, "/datasets/\(id)/history", principal: reader).status == 403)
        }
        #expect(throws: AccessPolicy.InvalidPolicy.self) { try AccessPolicy(json: Array(#"{"grants":[{"principal":"*","allow":["PromoteDatset"]}]}"#.utf8)) }
        #expect(throws: AccessPolicy.InvalidPolicy.self) { try AccessPolicy(json: Array(#"{"grant":[]}"#.utf8)) }
    }

    @Test(arguments: StoreKind.allCases) func unknownRoutesAndMethodsAreProblems(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            #expect(try await app.send(.get, "/nowhere").code == "NotFound")
            #expect(try await app.send(.get, "/datasets/x/y/z").code == "NotFound")
            let wrongMethod = try await app.send(.delete, "/datasets/\(UUID().lowercased)")
            #expect(wrongMethod.code == "MethodNotAllowed" && wrongMethod.status == 405)
            #expect(try await app.send(.get, "/datasets/\(UUID().lowercased)/promote").status == 405)
        }
    }

    @Test(arguments: StoreKind.allCases) func correlationIdIsEchoedAndStoredOnEvents(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let given = UUID().lowercased
            let reply = try await app.send(.post, "/datasets", headers: ["Idempotency-Key": "c", "X-Correlation-Id": given.uppercased()], json: Fixtures.registerBody())
            #expect(reply.headers[.init("X-Correlation-Id")!] == given)
            let id = try #require(reply.string("dataset_id"))
            let history = try await app.send(.get, "/datasets/\(id)/history")
            guard case .array(let events)? = history.json?["events"] else { Issue.record("no events"); return }
            #expect(events.first?["correlation_id"] == .string(given))
            let generated = try await app.send(.get, "/healthz", headers: ["X-Correlation-Id": "not-a-uuid"])
            let echoed = try #require(generated.headers[.init("X-Correlation-Id")!])
            #expect(UUID(strict: echoed) != nil && echoed != "not-a-uuid")
        }
    }

    @Test(arguments: StoreKind.allCases) func metricsUseRoutePatternsAndOpenAPIDescribesEveryRoute(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let id = try await app.registered()
            _ = try await app.send(.get, "/datasets/\(id)")
            _ = try await app.send(.get, "/no/such/thing")
            let metrics = String(decoding: try await app.send(.get, "/metrics").bytes, as: UTF8.self)
            #expect(metrics.contains(#"http_requests_total{method="GET",route="/datasets/{dataset_id}",status="200"} 1"#), "\(metrics)")
            #expect(metrics.contains(#"route="unmatched""#))
            #expect(!metrics.contains(id))
            #expect(metrics.contains(#"cora_events_appended_total{event_type="DatasetRegistered"} 1"#))
            #expect(metrics.contains("http_request_duration_seconds_bucket"))

            let document = try #require(try await app.send(.get, "/openapi.json").json)
            #expect(document["openapi"] == "3.1.0")
            guard case .object(let paths)? = document["paths"] else { Issue.record("no paths"); return }
            var documented: Set<String> = []
            for (path, item) in paths {
                guard case .object(let operations) = item else { continue }
                for method in operations.keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let expected: Set<String> = [
                "POST /datasets", "GET /datasets", "GET /datasets/{dataset_id}", "GET /datasets/{dataset_id}/history",
                "POST /datasets/{dataset_id}/promote", "POST /datasets/{dataset_id}/demote", "POST /datasets/{dataset_id}/discard",
                "GET /datasets/{dataset_id}/lineage", "GET /calibration-revisions/{revision_id}/impact",
                "GET /datasets/{dataset_id}/prov", "GET /datasets/{dataset_id}/ro-crate",
                "POST /subjects", "GET /subjects/{subject_id}", "POST /runs", "GET /runs/{run_id}", "POST /runs/{run_id}/end",
                "POST /mcp", "GET /mcp", "DELETE /mcp", "GET /healthz", "GET /readyz", "GET /metrics", "GET /openapi.json",
                "GET /.well-known/oauth-protected-resource", "GET /events", "GET /events/stream",
            ]
            #expect(documented == expected)
            // The documented bodies are the real ones: the required members are exactly what GET answers.
            func required(_ path: String) -> Set<String> {
                guard case .array(let names)? = document["paths"]?[path]?["get"]?["responses"]?["200"]?["content"]?["application/json"]?["schema"]?["required"] else { return [] }
                return Set(names.compactMap { if case .string(let name) = $0 { name } else { nil } })
            }
            guard case .object(let dataset)? = try await app.send(.get, "/datasets/\(id)").json else { Issue.record("no dataset"); return }
            #expect(required("/datasets/{dataset_id}") == Set(dataset.keys))
            guard case .object(let history)? = try await app.send(.get, "/datasets/\(id)/history").json else { Issue.record("no history"); return }
            #expect(required("/datasets/{dataset_id}/history") == Set(history.keys))
            // Every answer is documented, per status with the codes it can carry.
            func codes(_ path: String, _ method: String, _ status: Int) -> Set<String> {
                let schema = document["paths"]?[path]?[method]?["responses"]?[String(status)]?["content"]?["application/problem+json"]?["schema"]
                guard case .array(let parts)? = schema?["allOf"], case .array(let names)? = parts.last?["properties"]?["code"]?["enum"] else { return [] }
                return Set(names.compactMap { if case .string(let name) = $0 { name } else { nil } })
            }
            #expect(codes("/datasets", "post", 400) == ["IdempotencyKeyMissing", "InvalidIdempotencyKey", "InvalidDatasetName", "InvalidDatasetUri",
                                                          "InvalidDatasetChecksum", "InvalidDatasetByteSize", "InvalidDatasetEncoding", "InvalidDerivedFrom",
                                                          "InvalidUsedCalibrations"])
            #expect(codes("/datasets", "post", 404) == ["ProducingRunMissing", "LinkedSubjectMissing", "DerivedFromDatasetsMissing"])
            #expect(codes("/datasets", "post", 409) == ["DatasetAlreadyExists", "DerivedFromDatasetsDiscarded", "IdempotencyKeyInFlight", "ConcurrencyConflict"])
            #expect(codes("/datasets", "post", 422) == ["InvalidRequest", "IdempotencyKeyReused"])
            for status in [401, 403, 413, 415, 500, 503] { #expect(!codes("/datasets", "post", status).isEmpty, "POST /datasets \(status)") }
            #expect(codes("/datasets/{dataset_id}/promote", "post", 409) == ["DatasetAlreadyPromoted", "DatasetCannotPromote", "ConcurrencyConflict"])
            #expect(codes("/datasets", "get", 422) == ["InvalidRequest", "InvalidCursor"])
            #expect(codes("/datasets/{dataset_id}", "get", 404) == ["DatasetNotFound"])
            #expect(codes("/datasets/{dataset_id}", "get", 413).isEmpty, "a GET takes no body")
            // Every documented operation is routed: none answers NotFound or MethodNotAllowed, but for the
            // protected resource metadata, which header mode does not have.
            #expect(try await app.send(.get, "/.well-known/oauth-protected-resource").status == 404)
            for entry in documented where !entry.hasSuffix("/.well-known/oauth-protected-resource") {
                let parts = entry.split(separator: " ")
                let uri = String(parts[1]).replacingOccurrences(of: "{dataset_id}", with: id)
                    .replacingOccurrences(of: "{run_id}", with: UUID().lowercased).replacingOccurrences(of: "{subject_id}", with: UUID().lowercased)
                    .replacingOccurrences(of: "{revision_id}", with: UUID().lowercased)
                // A valid stream request never ends: one refused for its query shows the route as well.
                let query = uri == "/events/stream" ? "?limit=1" : ""
                let reply = try await app.send(.init(String(parts[0]))!, uri + query, json: parts[0] == "POST" ? [:] : nil)
                #expect(reply.code != "NotFound" && reply.code != "MethodNotAllowed", "\(entry) → \(reply.status)")
            }
        }
    }
}
