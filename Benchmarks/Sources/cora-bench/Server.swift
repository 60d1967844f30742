import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A release `cora serve` on its own port, as an operator would run it (default log level).
struct ServiceUnderTest {
    static let port = 8093
    let pid: pid_t
    let log: String

    var baseURL: String { "http://127.0.0.1:\(Self.port)" }

    static func start(_ store: StoreKind) async throws -> ServiceUnderTest {
        guard FileManager.default.isExecutableFile(atPath: Paths.cora) else {
            throw ToolFailure(description: "\(Paths.cora) is missing: run `swift build -c release --product cora` in \(Paths.root.path)")
        }
        if (try? await ServiceUnderTest(pid: 0, log: "").get("/healthz")) != nil {
            throw ToolFailure(description: "something already answers on port \(port); stop it first")
        }
        let log = store.directory.appendingPathComponent("serve.log").path
        let pid = try Spawn.start(Paths.cora, ["serve"], environment: [
            "CORA_DATABASE_URL": store.databaseURL, "CORA_PORT": String(port), "CORA_HOST": "127.0.0.1",
        ], output: log)
        let service = ServiceUnderTest(pid: pid, log: log)
        for _ in 0..<300 {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw ToolFailure(description: "cora serve exited at start; see \(log)") }
            if (try? await service.get("/readyz").status) == 200 { return service }
            try await Task.sleep(for: .milliseconds(100))
        }
        service.stop()
        throw ToolFailure(description: "cora serve did not become ready; see \(log)")
    }

    func stop() {
        kill(pid, SIGTERM)
        _ = Spawn.wait(pid)
    }

    func get(_ path: String) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.setValue(Workload.principal, forHTTPHeaderField: "X-Principal-Id")
        let (body, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, body)
    }

    func json(_ path: String) async throws -> [String: Any] {
        let (status, body) = try await get(path)
        guard status == 200, let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw ToolFailure(description: "GET \(path) answered \(status)")
        }
        return object
    }

    /// The path of page `page` (1-based) of a list query, found by following `next_cursor` as a client
    /// would; nil when the list has fewer pages.
    func pagePath(_ query: String, page: Int) async throws -> String? {
        var path = "/datasets?" + query
        for _ in 1..<page {
            let (status, body) = try await get(path)
            guard status == 200, let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw ToolFailure(description: "GET \(path) answered \(status)")
            }
            guard let cursor = object["next_cursor"] as? String else { return nil }
            path = "/datasets?" + query + "&cursor=" + cursor
        }
        return path
    }
}
