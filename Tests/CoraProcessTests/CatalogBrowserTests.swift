import AsyncHTTPClient
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

/// The catalog in a real browser: headless Chromium driven by selenium signs in with the link the
/// server printed, filters, pages, opens a Dataset, follows a node of its lineage picture and moves the
/// as-of control. Screenshots land in `.build/ui-screenshots/`. Without Chromium the test fails.
@Suite("The catalog in a real browser")
struct CatalogBrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/catalog_browser_check.py").path
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/ui-screenshots").path
    static let chromium = ProcessInfo.processInfo.environment["CORA_CHROMIUM"] ?? "/usr/bin/chromium"
    static let chromedriver = ProcessInfo.processInfo.environment["CORA_CHROMEDRIVER"] ?? "/usr/bin/chromedriver"

    @Test func signInFilterPageOpenFollowAndGoBackInTime() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium), "Chromium is needed at \(Self.chromium) (Debian: apt-get install chromium chromium-driver)")
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromedriver), "chromedriver is needed at \(Self.chromedriver)")
        let python = try PythonEnvironment.python("selenium-4.27.1", packages: ["selenium==4.27.1"], probe: "import selenium")
        let directory = try temporaryDirectory("browser")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = directory.appendingPathComponent("serve.log")
        let server = try ServerProcess(database: "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path, log: log)
        try await server.waitUntilHealthy(.shared)
        let client = Client(http: .shared, port: server.port)
        let revision = "0193a000-0000-7000-8000-0000000000dd"
        func register(_ name: String, _ extra: [String: JSONValue] = [:]) async throws -> String {
            var members = extra
            members["name"] = .string(name)
            return try #require(client.datasetID(try await client.register(members)), "register \(name)")
        }
        let raw = try await register("Pellet B-12 raw projections", ["used_calibrations": [.string(revision)]])
        let recon = try await register("Pellet B-12 reconstruction", ["derived_from": [.string(raw)], "used_calibrations": [.string(revision)]])
        guard case .array(let events)? = try await client.call(.GET, "/datasets/\(recon)/history").json?["events"], case .number(let before)? = events.first?["position"] else {
            Issue.record("no history"); return
        }
        let seg = try await register("Pellet B-12 segmentation", ["derived_from": [.string(recon)]])
        let third = try await register("Flat-field reference", ["used_calibrations": [.string(revision)]])
        let printed = String(decoding: try Data(contentsOf: log), as: UTF8.self)
        let link = try #require(printed.split(separator: "\n").first { $0.contains("Catalog login link") }.flatMap { $0.split(separator: " ").last.map(String.init) },
                                "serve prints a login link: \(printed)")
        let scenario = directory.appendingPathComponent("scenario.json")
        let principal = try #require(printed.split(separator: "\n").first { $0.contains("Catalog login link for") }
            .map { String($0.split(separator: " ")[4]) })
        try CanonicalJSON.string(["raw": .string(raw), "recon": .string(recon), "seg": .string(seg), "revision": .string(revision),
                                  "before_seg": .string(before), "principal": .string(principal)]).write(to: scenario, atomically: true, encoding: .utf8)
        let output = try runTool(python, [Self.script, "http://127.0.0.1:\(server.port)", link, scenario.path, Self.screenshots],
                                 environment: ["CORA_CHROMIUM": Self.chromium, "CORA_CHROMEDRIVER": Self.chromedriver])
        let line = try #require(output.split(separator: "\n").last.map(String.init))
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(output)")
        #expect(seen["signed_in"] as? Bool == true)
        #expect(seen["first_page"] as? [String] == ["Pellet B-12 raw projections", "Pellet B-12 reconstruction"])
        #expect(seen["second_page"] as? [String] == ["Flat-field reference"], "\(third)")
        #expect(seen["picture_visible"] as? Bool == true)
        #expect(seen["nodes"] as? [String] == [raw, recon, seg].sorted())
        #expect(seen["followed_to"] as? String == "/ui/datasets/\(seg)")
        #expect(seen["nodes_as_of"] as? [String] == [raw, recon].sorted())
        #expect((seen["console_errors"] as? [String])?.isEmpty == true, "\(seen["console_errors"] ?? "")")
        #expect((seen["other_hosts"] as? [String])?.isEmpty == true && (seen["hosts"] as? [String])?.isEmpty == false, "\(seen["hosts"] ?? "")")
        #expect(FileManager.default.fileExists(atPath: Self.screenshots + "/4-dataset.png"))
        #expect(try await server.terminateAndWait() == 0)
    }

    /// `cora ui-link` prints a link for a running server's database; it signs in once, as the principal named.
    @Test func uiLinkPrintsALinkThatSignsInOnce() async throws {
        let directory = try temporaryDirectory("ui-link")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path
        let server = try ServerProcess(database: database, log: directory.appendingPathComponent("serve.log"))
        try await server.waitUntilHealthy(.shared)
        let principal = "22222222-3333-4444-5555-666666666666"
        let printed = try runTool(ServerProcess.executable.path, ["ui-link", "--principal", principal, "--log-level", "error"],
                                  environment: ["CORA_DATABASE_URL": database, "CORA_PORT": String(server.port)])
        let link = printed.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(link.hasPrefix("http://127.0.0.1:\(server.port)/ui/login?token="), "\(printed)")
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        let first = try await http.execute(HTTPClientRequest(url: link), timeout: .seconds(10))
        #expect(first.status.code == 303)
        let cookie = try #require(first.headers.first(name: "Set-Cookie")?.split(separator: ";").first.map(String.init))
        var list = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/ui/datasets")
        list.headers.add(name: "Cookie", value: cookie)
        let page = try await http.execute(list, timeout: .seconds(10))
        let body = String(buffer: try await page.body.collect(upTo: 1 << 20))
        #expect(page.status.code == 200 && body.contains(principal))
        #expect(try await http.execute(HTTPClientRequest(url: link), timeout: .seconds(10)).status.code == 401, "a used link does not sign in")
        try await http.shutdown()
        #expect(try await server.terminateAndWait() == 0)
    }
}
