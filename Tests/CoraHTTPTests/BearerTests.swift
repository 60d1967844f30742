import CoraData
import CoraHTTP
import CoraIdentity
import CoraKernel
import CoraTestSupport
import CoraWire
import Foundation
import Logging
import Testing

/// Bearer mode (§13) through the real router: tokens signed with real RSA and EC keys made in the test,
/// a key set read from a file or served over TLS by a test CA, and every way a token can be wrong.
@Suite("Bearer tokens from the identity provider")
struct BearerTests {
    static let other = "99999999-8888-7777-6666-555555555555"

    /// A harness in bearer mode against a JWKS file of the provider's keys, the verifier on `clock`.
    static func run(_ provider: TestIdentityProvider, clock: ManualClock, policy: AccessPolicy = .allowAll, subjectMap: [String: UUID] = [:],
                    logHandler: RecordingLogHandler? = nil, _ body: @Sendable (Harness) async throws -> Void) async throws {
        let directory = try temporaryDirectory("bearer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let jwks = directory.appendingPathComponent("jwks.json")
        try TestIdentityProvider.jwks([provider.rsa, provider.ec]).write(to: jwks, atomically: true, encoding: .utf8)
        let settings = BearerSettings(issuer: TestIdentityProvider.issuer, audience: TestIdentityProvider.audience, keySet: .file(jwks.path), subjectMap: subjectMap)
        let verifier = BearerVerifier(settings: settings, clock: clock, logger: Logger(label: "cora.test.bearer"))
        try await verifier.loadKeys()
        try await Harness.run(.sqlite, policy: policy, exports: ExportSettings(publicBaseURL: "https://catalogue.example.org"),
                              authentication: .bearer(verifier, settings), logHandler: logHandler, body)
    }

    static func seconds(_ clock: ManualClock) -> Double { Double(clock.now().microsecondsSinceEpoch) / 1_000_000 }

    static func bearer(_ token: String) -> [String: String] { ["Authorization": "Bearer \(token)"] }

    @Test func theTokenNamesTheCallerWhateverTheHeaderSays() async throws {
        let provider = try await TestIdentityProvider()
        let clock = ManualClock()
        try await Self.run(provider, clock: clock) { app in
            for key in [provider.rsa, provider.ec] {
                let token = try await provider.token(TestIdentityProvider.claims(subject: Harness.principal, now: Self.seconds(clock)), with: key)
                let created = try await app.send(.post, "/datasets", principal: Self.other, headers: Self.bearer(token).merging(["Idempotency-Key": key.kid]) { a, _ in a },
                                                 json: Fixtures.registerBody())
                #expect(created.status == 201, "\(key.kid): \(created.status) \(String(decoding: created.bytes, as: UTF8.self))")
                let id = try #require(created.string("dataset_id"))
                let history = try await app.send(.get, "/datasets/\(id)/history", principal: nil, headers: Self.bearer(token))
                guard case .array(let events)? = history.json?["events"] else { Issue.record("no history"); return }
                #expect(events.map { $0["actor_id"] } == [.string(Harness.principal)], "\(key.kid)")
            }
            // The header alone names nobody in bearer mode.
            let headerOnly = try await app.send(.get, "/datasets")
            #expect(headerOnly.status == 401 && headerOnly.headers[.wwwAuthenticate] == #"Bearer realm="cora""#)
        }
    }

    @Test func everyRefusedTokenIs401WithItsReasonAndTheTokenIsNeverLogged() async throws {
        let provider = try await TestIdentityProvider()
        let stranger = try await TestIdentityProvider(rsaKid: "rsa-unknown", ecKid: "ec-unknown")
        let clock = ManualClock()
        let handler = RecordingLogHandler()
        try await Self.run(provider, clock: clock, logHandler: handler) { app in
            let now = Self.seconds(clock)
            func claims(_ change: (inout [String: ClaimValue]) -> Void) -> [String: ClaimValue] {
                var claims = TestIdentityProvider.claims(subject: Harness.principal, now: now)
                change(&claims)
                return claims
            }
            let good = try await provider.token(claims { _ in }, with: provider.rsa)
            let cases: [(name: String, token: String, reason: String, description: String)] = [
                ("expired", try await provider.token(claims { $0["exp"] = .number(now - 61) }, with: provider.rsa), "expired", "the token has expired"),
                ("not yet valid", try await provider.token(claims { $0["nbf"] = .number(now + 61) }, with: provider.ec), "not_yet_valid", "the token is not valid yet"),
                ("wrong issuer", try await provider.token(claims { $0["iss"] = "https://elsewhere.invalid" }, with: provider.rsa), "wrong_issuer", "another issuer"),
                ("wrong audience", try await provider.token(claims { $0["aud"] = "another-service" }, with: provider.ec), "wrong_audience", "(aud)"),
                ("no expiry", try await provider.token(claims { $0["exp"] = nil }, with: provider.rsa), "missing_claim", "no exp claim"),
                ("unknown kid", try await stranger.token(claims { _ in }, with: stranger.rsa), "unknown_kid", "no key rsa-unknown"),
                ("tampered payload", try TestIdentityProvider.tampered(good, claims: claims { $0["sub"] = .string(Self.other) }), "bad_signature", "does not verify"),
                ("alg none", try provider.unsignedToken(claims { _ in }), "algorithm_not_allowed", "algorithm none"),
                ("public key as HMAC secret", try await provider.publicKeyAsHMACSecretToken(claims { _ in }), "algorithm_not_allowed", "algorithm HS256"),
                ("not a JWT", "not.a.jwt", "malformed", "not a well-formed"),
            ]
            for refused in cases {
                let reply = try await app.send(.get, "/datasets", principal: Harness.principal, headers: Self.bearer(refused.token))
                #expect(reply.status == 401 && reply.code == "Unauthenticated", "\(refused.name): \(reply.status)")
                let challenge = reply.headers[.wwwAuthenticate] ?? ""
                #expect(challenge.hasPrefix(#"Bearer realm="cora", error="invalid_token", error_description=""#) && challenge.contains(refused.description),
                        "\(refused.name): \(challenge)")
                let line = handler.logged.last { $0.message == "request" && $0.metadata["correlation_id"]?.description == reply.headers[.init("X-Correlation-Id")!] }
                #expect(line?.metadata["auth_error"]?.description == refused.reason, "\(refused.name)")
            }
            // Within the 60 s leeway a token is still (or already) good.
            for lenient in [claims { $0["exp"] = .number(now - 30) }, claims { $0["nbf"] = .number(now + 30) }] {
                #expect(try await app.send(.get, "/datasets", principal: nil, headers: Self.bearer(try await provider.token(lenient, with: provider.rsa))).status == 200)
            }
            // No token, or another scheme: 401 with the bare challenge.
            for headers in [[:], ["Authorization": "Basic dXNlcjpwYXNz"], ["Authorization": "Bearer "]] {
                let reply = try await app.send(.get, "/datasets", principal: nil, headers: headers)
                #expect(reply.status == 401 && reply.headers[.wwwAuthenticate] == #"Bearer realm="cora""#, "\(headers)")
            }
            let everything = handler.logged.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
            #expect(!everything.contains(good) && !everything.contains(String(good.split(separator: ".")[2])), "no token or signature in any log line")
        }
    }

    /// A verified token is remembered, but only within its time: once it expires it is refused as expired.
    @Test func aRememberedTokenStillExpires() async throws {
        let provider = try await TestIdentityProvider()
        let clock = ManualClock()
        try await Self.run(provider, clock: clock) { app in
            let token = try await provider.token(TestIdentityProvider.claims(subject: Harness.principal, now: Self.seconds(clock)), with: provider.rsa)
            for _ in 0..<3 { #expect(try await app.send(.get, "/datasets", principal: nil, headers: Self.bearer(token)).status == 200) }
            clock.advance(seconds: 300 + 61)
            let expired = try await app.send(.get, "/datasets", principal: nil, headers: Self.bearer(token))
            #expect(expired.status == 401 && expired.headers[.wwwAuthenticate]?.contains("the token has expired") == true)
        }
    }

    @Test func aClaimThatIsNoUUIDIsMappedOrRefusedWith403() async throws {
        let provider = try await TestIdentityProvider()
        let clock = ManualClock()
        let mapped = try #require(UUID(strict: Self.other))
        try await Self.run(provider, clock: clock, subjectMap: ["f:1234:jdoe": mapped]) { app in
            let known = try await provider.token(TestIdentityProvider.claims(subject: "f:1234:jdoe", now: Self.seconds(clock)), with: provider.rsa)
            let created = try await app.send(.post, "/datasets", principal: nil, headers: Self.bearer(known).merging(["Idempotency-Key": "mapped"]) { a, _ in a },
                                             json: Fixtures.registerBody())
            let id = try #require(created.string("dataset_id"))
            guard case .array(let events)? = try await app.send(.get, "/datasets/\(id)/history", principal: nil, headers: Self.bearer(known)).json?["events"] else {
                Issue.record("no history"); return
            }
            #expect(events.first?["actor_id"] == .string(Self.other))
            let unknown = try await provider.token(TestIdentityProvider.claims(subject: "f:9999:stranger", now: Self.seconds(clock)), with: provider.ec)
            let refused = try await app.send(.get, "/datasets", principal: nil, headers: Self.bearer(unknown))
            #expect(refused.status == 403 && refused.code == "Unauthorized" && refused.headers[.wwwAuthenticate] == nil)
        }
    }

    @Test func policyGrantsMayNameAGroupOfTheToken() async throws {
        let provider = try await TestIdentityProvider()
        let clock = ManualClock()
        let policy = try AccessPolicy(json: Array(#"{"grants":[{"group":"beamline-staff","allow":["RegisterDataset","GetDataset"]}]}"#.utf8))
        try await Self.run(provider, clock: clock, policy: policy) { app in
            let now = Self.seconds(clock)
            var single = TestIdentityProvider.claims(subject: Harness.principal, now: now)
            single["groups"] = "beamline-staff"
            for (name, claims) in [("array", TestIdentityProvider.claims(subject: Harness.principal, now: now, groups: ["users", "beamline-staff"])), ("string", single)] {
                let token = try await provider.token(claims, with: provider.rsa)
                let created = try await app.send(.post, "/datasets", principal: nil, headers: Self.bearer(token).merging(["Idempotency-Key": name]) { a, _ in a },
                                                 json: Fixtures.registerBody(["name": .string(name)]))
                #expect(created.status == 201, "\(name)")
                #expect(try await app.send(.get, "/datasets", principal: nil, headers: Self.bearer(token)).code == "Unauthorized", "ListDatasets is not granted")
            }
            let outsider = try await provider.token(TestIdentityProvider.claims(subject: Harness.principal, now: now, groups: ["users"]), with: provider.rsa)
            #expect(try await app.send(.post, "/datasets", principal: nil, headers: Self.bearer(outsider).merging(["Idempotency-Key": "out"]) { a, _ in a },
                                       json: Fixtures.registerBody()).code == "Unauthorized")
        }
    }

    @Test func mcpOverHTTPActsAsTheTokensCallerAndPointsAtTheMetadata() async throws {
        let provider = try await TestIdentityProvider()
        let clock = ManualClock()
        try await Self.run(provider, clock: clock) { app in
            let refused = try await app.send(.post, "/mcp", principal: Harness.principal, headers: ["Accept": MCPOverHTTP.accept],
                                             json: ["jsonrpc": "2.0", "id": 1, "method": "initialize"])
            #expect(refused.status == 401)
            #expect(refused.headers[.wwwAuthenticate] ==
                    #"Bearer realm="cora", resource_metadata="https://catalogue.example.org/.well-known/oauth-protected-resource""#)
            let metadata = try await app.send(.get, "/.well-known/oauth-protected-resource", principal: nil)
            #expect(metadata.json == ["resource": "https://catalogue.example.org", "authorization_servers": [.string(TestIdentityProvider.issuer)],
                                      "bearer_methods_supported": ["header"]])

            let token = try await provider.token(TestIdentityProvider.claims(subject: Harness.principal, now: Self.seconds(clock)), with: provider.ec)
            let mcp = try await MCPOverHTTP.open(app, credentials: Self.bearer(token).merging(["X-Principal-Id": Self.other]) { a, _ in a })
            guard case .object(var arguments) = Fixtures.registerBody() else { return }
            arguments["idempotency_key"] = "over-mcp"
            let (_, result) = try await mcp.call("register_dataset", .object(arguments))
            guard case .string(let id)? = result?["structuredContent"]?["dataset_id"] else { Issue.record("no dataset: \(String(describing: result))"); return }
            guard case .array(let events)? = try await app.send(.get, "/datasets/\(id)/history", principal: nil, headers: Self.bearer(token)).json?["events"] else {
                Issue.record("no history"); return
            }
            #expect(events.first?["actor_id"] == .string(Harness.principal))
            // The session belongs to whoever opened it: another caller's token does not find it.
            let stranger = try await provider.token(TestIdentityProvider.claims(subject: Self.other, now: Self.seconds(clock)), with: provider.rsa)
            var hijack = mcp
            hijack.credentials = Self.bearer(stranger)
            #expect(try await hijack.post(["jsonrpc": "2.0", "id": 3, "method": "tools/list"]).status == 404)
        }
    }

    @Test func openAPIInBearerModeNamesTheSchemeNotTheHeader() async throws {
        let provider = try await TestIdentityProvider()
        try await Self.run(provider, clock: ManualClock()) { app in
            let document = try #require(try await app.send(.get, "/openapi.json", principal: nil).json)
            #expect(document["components"]?["securitySchemes"]?["bearer"]?["scheme"] == "bearer")
            let get = document["paths"]?["/datasets/{dataset_id}"]?["get"]
            #expect(get?["security"] == [["bearer": []]])
            guard case .array(let parameters)? = get?["parameters"] else { Issue.record("no parameters"); return }
            #expect(!parameters.contains { $0["name"] == "X-Principal-Id" })
            #expect(get?["responses"]?["401"]?["headers"]?["WWW-Authenticate"] != nil)
        }
    }
}
