import CoraData
@testable import CoraHTTP
import CoraIdentity
import CoraKernel
import CoraPages
import CoraTestSupport
import Foundation
import Logging
import Testing

/// The catalog pages through the real router (§14): who may see them, how a login link and its
/// session cookie behave, and that nothing a user wrote can become markup.
@Suite("The catalog pages")
struct CatalogPageTests {
    static func catalog(clock: any WallClock = SystemClock(), trustsProxyHeader: Bool = true) async throws -> CatalogAccess {
        CatalogAccess(pages: try await CatalogPages.load(), trustsProxyHeader: trustsProxyHeader, clock: clock)
    }

    static func text(_ reply: Harness.Reply) -> String { String(decoding: reply.bytes, as: UTF8.self) }

    /// The session cookie a login link's answer sets, as a `Cookie` header.
    static func cookie(_ reply: Harness.Reply) -> String? {
        reply.headers[.setCookie].map { String($0.prefix { $0 != ";" }) }
    }

    @Test func withoutIdentityThePageSaysHowToSignIn() async throws {
        try await Harness.run(.sqlite, catalog: try await Self.catalog()) { app in
            let reply = try await app.send(.get, "/ui/datasets", principal: nil)
            #expect(reply.status == 401 && reply.headers[.contentType] == "text/html; charset=utf-8")
            #expect(Self.text(reply).contains("cora ui-link --principal") && Self.text(reply).contains("Sign in to the catalog"))
            #expect(reply.headers[.init("Content-Security-Policy")!]?.hasPrefix("default-src 'self'") == true)
            // The stylesheet needs no identity; the root redirects to the list.
            #expect(try await app.send(.get, "/ui/catalog.css", principal: nil).status == 200)
            #expect(try await app.send(.get, "/", principal: nil).headers[.location] == "/ui/datasets")
        }
    }

    @Test func aLoginLinkStartsA12HourSessionOnceAndNotAfter10Minutes() async throws {
        let clock = ManualClock()
        try await Harness.run(.sqlite, clock: clock, catalog: try await Self.catalog(clock: clock, trustsProxyHeader: false)) { app in
            let principal = PrincipalID(UUID())
            let token = try await CatalogAccess.newLoginLink(for: principal, store: app.store, clock: clock)
            let login = try await app.send(.get, "/ui/login?token=\(token)", principal: nil)
            #expect(login.status == 303 && login.headers[.location] == "/ui/datasets")
            let setCookie = try #require(login.headers[.setCookie])
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ui", "Max-Age=43200"] { #expect(setCookie.contains(attribute), "\(attribute)") }
            let session = try #require(Self.cookie(login))
            let list = try await app.send(.get, "/ui/datasets", principal: nil, headers: ["Cookie": "theme=dark; " + session])
            #expect(list.status == 200 && Self.text(list).contains(principal.description))
            // Used once: the same link again does not sign in.
            let again = try await app.send(.get, "/ui/login?token=\(token)", principal: nil)
            #expect(again.status == 401 && again.headers[.setCookie] == nil && Self.text(again).contains("was used already or has expired"))
            // A forged or altered cookie is nobody.
            var altered = Array(session.utf8)
            altered[altered.count - 3] = altered[altered.count - 3] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
            #expect(try await app.send(.get, "/ui/datasets", principal: nil, headers: ["Cookie": String(decoding: altered, as: UTF8.self)]).status == 401)
            // A link older than 10 minutes does not sign in.
            let stale = try await CatalogAccess.newLoginLink(for: principal, store: app.store, clock: clock)
            clock.advance(seconds: 601)
            #expect(try await app.send(.get, "/ui/login?token=\(stale)", principal: nil).status == 401)
            // The session ends after 12 hours.
            clock.advance(seconds: 12 * 3600)
            #expect(try await app.send(.get, "/ui/datasets", principal: nil, headers: ["Cookie": session]).status == 401)
        }
    }

    @Test func inBearerModeThePagesTakeTheHeaderOnlyWhenTold() async throws {
        for trusted in [false, true] {
            try await Harness.run(.sqlite, catalog: try await Self.catalog(trustsProxyHeader: trusted)) { (app: Harness) async throws in
                #expect(try await app.send(.get, "/ui/datasets").status == (trusted ? 200 : 401), "trusted: \(trusted)")
            }
        }
    }

    @Test func whatUsersWroteIsShownAsTextNeverAsMarkup() async throws {
        try await Harness.run(.sqlite, catalog: try await Self.catalog()) { app in
            let hostile = "<script>alert(1)</script> \"quoted\" & 'single'"
            let parent = try await app.registered(["name": .string(hostile), "uri": "https://data.example.org/x?a=1&b=2"])
            let child = try await app.registered(["name": "child </script><img src=x onerror=alert(2)>", "derived_from": [.string(parent)], "uri": "s3://bucket/key.h5"])
            #expect(try await app.command(child, "promote", reason: "<b>bold</b> reason").status == 409, "its parent is not in Production")
            #expect(try await app.command(parent, "promote", reason: "</blockquote><script>x()</script>").status == 204)
            for (id, page) in [(parent, try await app.send(.get, "/ui/datasets/\(parent)")), (child, try await app.send(.get, "/ui/datasets/\(child)"))] {
                let html = Self.text(page)
                #expect(page.status == 200, "\(id)")
                #expect(!html.contains("<script>alert") && !html.contains("<img src=x") && !html.contains("<script>x()"), "no user markup: \(id)")
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the name as text, in the page and the picture")
                // The JSON-LD block is data: nothing in it can close the script element.
                let jsonLD = try #require(html.components(separatedBy: #"<script type="application/ld+json">"#).dropFirst().first?.components(separatedBy: "</script>").first)
                #expect(!jsonLD.contains("<") && jsonLD.contains("\\u003c"))
                #expect((try? JSONParser.parse(Array(jsonLD.utf8))) != nil, "still JSON a reader decodes")
            }
            let parentPage = Self.text(try await app.send(.get, "/ui/datasets/\(parent)"))
            #expect(parentPage.contains(#"<a href="https://data.example.org/x?a=1&amp;b=2" rel="nofollow noopener">"#), "an http(s) URI is a link")
            #expect(parentPage.contains("&lt;/blockquote&gt;&lt;script&gt;x()&lt;/script&gt;"), "the reason as text")
            let childPage = Self.text(try await app.send(.get, "/ui/datasets/\(child)"))
            #expect(childPage.contains("<code>s3://bucket/key.h5</code>") && !childPage.contains(#"href="s3:"#), "any other scheme is text")
            // Pages are read-only: nothing but GET is routed under /ui.
            let post = try await app.send(.post, "/ui/datasets", json: Fixtures.registerBody())
            #expect(post.status == 404 || post.status == 405)
            #expect(try await app.send(.get, "/datasets?limit=100").json?["items"].map { if case .array(let items) = $0 { items.count } else { 0 } } == 2)
        }
    }

    @Test func theDatasetPageShowsTheLineageAsOfAPoint() async throws {
        try await Harness.run(.sqlite, catalog: try await Self.catalog()) { app in
            let revision = "0193a000-0000-7000-8000-0000000000cc"
            let raw = try await app.registered(["name": "raw", "used_calibrations": [.string(revision)]])
            let recon = try await app.registered(["name": "recon", "derived_from": [.string(raw)]])
            guard case .array(let events)? = try await app.send(.get, "/datasets/\(recon)/history").json?["events"],
                  case .number(let before)? = events.first?["position"] else { Issue.record("no position"); return }
            let segment = try await app.registered(["name": "segment", "derived_from": [.string(recon)]])
            #expect(try await app.command(raw, "promote").status == 204)
            let now = Self.text(try await app.send(.get, "/ui/datasets/\(recon)"))
            #expect(now.components(separatedBy: "data-dataset-id=").count - 1 == 3 && now.contains(segment))
            #expect(now.contains("badge intent-trial"))
            let then = Self.text(try await app.send(.get, "/ui/datasets/\(recon)?as_of_position=\(before)"))
            #expect(then.components(separatedBy: "data-dataset-id=").count - 1 == 2 && !then.contains(segment), "the segment did not exist yet")
            #expect(then.contains("As of position \(before)") && !then.contains("Promoted"))
            #expect(then.contains("/ui/datasets/\(recon)/export/prov-json?as_of_position=\(before)"))
            let refused = try await app.send(.get, "/ui/datasets/\(recon)?as_of_position=999999")
            #expect(refused.status == 422 && refused.headers[.contentType] == "text/html; charset=utf-8", "a refusal is a page of its status")
            #expect(try await app.send(.get, "/ui/datasets/\(UUID().lowercased)").status == 404)
            let export = try await app.send(.get, "/ui/datasets/\(recon)/export/ro-crate")
            #expect(export.status == 200 && export.headers[.contentType] == "application/ld+json")
            // The list filters by derivation and calibration and pages forward with the API's cursor.
            let list = Self.text(try await app.send(.get, "/ui/datasets?derived_from=\(raw)&status=&limit=1"))
            #expect(list.contains(">recon</a>") && !list.contains(">segment</a>"))
            let impact = Self.text(try await app.send(.get, "/ui/calibration-revisions/\(revision)"))
            #expect(impact.contains("1 Dataset(s) cite it; 2 more derive from those") && impact.contains("<strong>1 in Production</strong>"))
        }
    }

    /// Several processes on one database accept each other's sessions: the key is in the database.
    @Test(arguments: StoreKind.allCases)
    func aSessionFromOneProcessIsValidInAnother(_ kind: StoreKind) async throws {
        let location = try await kind.freshLocation()
        defer { location.cleanup() }
        let first = try await StoreKind.reopen(location.location)
        let second = try await StoreKind.reopen(location.location)
        let issuing = try await Self.catalog(), accepting = try await Self.catalog()
        try await issuing.load(from: first.store)
        try await accepting.load(from: second.store)
        let principal = PrincipalID(UUID())
        let value = try issuing.sessionValue(for: principal)
        #expect(accepting.principal(cookies: "\(CatalogAccess.cookieName)=\(value)") == principal)
        try await first.close()
        try await second.close()
    }
}
