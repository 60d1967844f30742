import AsyncHTTPClient
import CoraTestSupport
import Foundation
import NIOCore
import NIOFoundationCompat
import Testing

/// A client nobody on this team wrote: the official Python MCP SDK, installed from PyPI into a
/// virtual environment (reused between runs), drives the real server over HTTP and over stdio.
@Suite("The official Python MCP SDK against the real server", .serialized)
struct PythonMCPClientTests {
    static let sdkVersion = "2.3.0"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/mcp_client_check.py").path
    static let principal = "11111111-2222-3333-4444-555555555555"

    /// `python` of a virtual environment holding the pinned SDK.
    static func python() throws -> String {
        try PythonEnvironment.python("mcp-\(sdkVersion)", packages: ["mcp==\(sdkVersion)"], probe: "import mcp")
    }

    func expectFullRun(_ output: String) throws {
        let line = try #require(output.split(separator: "\n").last.map(String.init))
        let seen = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        #expect(seen?["server"] as? String == "cora")
        #expect((seen?["tools"] as? [String])?.count == 16)
        #expect(seen?["refusal"] as? String == "DatasetAlreadyPromoted")
    }

    @Test func overStreamableHTTP() async throws {
        let python = try Self.python()
        let directory = try temporaryDirectory("pymcp-http")
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try ServerProcess(database: "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path, log: directory.appendingPathComponent("server.log"))
        try await server.waitUntilHealthy(.shared)
        let output = try runTool(python, [Self.script, "http", "http://127.0.0.1:\(server.port)/mcp", Self.principal])
        try expectFullRun(output)
        #expect(try await server.terminateAndWait() == 0)
    }

    /// In bearer mode the SDK connects with the provider's access token and every call acts as the
    /// token's principal.
    @Test func overStreamableHTTPWithABearerToken() async throws {
        let python = try Self.python()
        let directory = try temporaryDirectory("pymcp-bearer")
        defer { try? FileManager.default.removeItem(at: directory) }
        let provider = try await TestIdentityProvider()
        let jwks = directory.appendingPathComponent("jwks.json")
        try TestIdentityProvider.jwks([provider.rsa, provider.ec]).write(to: jwks, atomically: true, encoding: .utf8)
        let server = try ServerProcess(database: "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path, log: directory.appendingPathComponent("server.log"),
                                       environment: ["CORA_AUTH_MODE": "bearer", "CORA_OIDC_ISSUER": TestIdentityProvider.issuer,
                                                     "CORA_OIDC_AUDIENCE": TestIdentityProvider.audience, "CORA_OIDC_JWKS": jwks.path])
        try await server.waitUntilHealthy(.shared)
        let token = try await provider.token(TestIdentityProvider.claims(subject: Self.principal, now: Date().timeIntervalSince1970), with: provider.ec)
        let output = try runTool(python, [Self.script, "bearer", "http://127.0.0.1:\(server.port)/mcp", token])
        try expectFullRun(output)
        let line = try #require(output.split(separator: "\n").last.map(String.init))
        let datasetID = try #require((try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["dataset_id"] as? String)
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/datasets/\(datasetID)/history")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let history = try JSONSerialization.jsonObject(with: Data(buffer: try await response.body.collect(upTo: 1 << 20))) as? [String: Any]
        let actors = (history?["events"] as? [[String: Any]])?.compactMap { $0["actor_id"] as? String }
        #expect(actors == [Self.principal, Self.principal])
        #expect(try await server.terminateAndWait() == 0)
    }

    @Test func overStdio() async throws {
        let python = try Self.python()
        let directory = try temporaryDirectory("pymcp-stdio")
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = try runTool(python, [Self.script, "stdio", ServerProcess.executable.path, Self.principal,
                                                      "sqlite:" + directory.appendingPathComponent("cora.sqlite3").path])
        try expectFullRun(output)
    }
}
