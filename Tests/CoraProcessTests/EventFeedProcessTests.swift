import AsyncHTTPClient
import CoraKernel
import CoraTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// One `GET /events/stream` connection, read frame by frame as it arrives.
final class EventStreamReader: Sendable {
    struct Frame: Sendable {
        let id: Int64
        let event: String
        let data: JSONValue
        let at: ContinuousClock.Instant
    }

    let status: Int
    let headers: HTTPHeaders
    let frames = Locked<[Frame]>([])
    let comments = Locked<[String]>([])
    private let reading: Task<Void, Never>?
    /// A client of its own, so that `close()` closes this stream's connection for certain: cancelling the
    /// reading alone left the shared client's connection open at times, and the server kept the stream.
    private let client = HTTPClient(eventLoopGroupProvider: .singleton)

    init(port: Int, query: String = "", lastEventID: String? = nil) async throws {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/events/stream\(query)")
        request.headers.add(name: "X-Principal-Id", value: Client.principal)
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response = try await client.execute(request, deadline: .distantFuture)
        status = Int(response.status.code)
        headers = response.headers
        guard status == 200 else {
            reading = nil
            return
        }
        let (frames, comments) = (frames, comments)
        reading = Task {
            var pending = ""
            do {
                for try await chunk in response.body {
                    pending += String(buffer: chunk)
                    while let end = pending.range(of: "\n\n") {
                        let block = pending[..<end.lowerBound]
                        pending = String(pending[end.upperBound...])
                        var id: Int64?, event: String?, data: JSONValue?
                        for line in block.split(separator: "\n") {
                            if line.hasPrefix(":") { comments.withLock { $0.append(String(line)) } }
                            if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                            if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                            if line.hasPrefix("data: ") { data = try? JSONParser.parse(Array(line.dropFirst(6).utf8)) }
                        }
                        if let id, let event, let data {
                            frames.withLock { $0.append(Frame(id: id, event: event, data: data, at: .now)) }
                        }
                    }
                }
            } catch {}
        }
    }

    func close() {
        reading?.cancel()
        _ = client.shutdown()
    }

    deinit { _ = client.shutdown() }

    var ids: [Int64] { frames.withLock { $0.map(\.id) } }

    /// Waits until `count` frames have arrived (or `timeout` passed) and returns them.
    func waitFor(_ count: Int, timeout: Duration = .seconds(15)) async throws -> [Frame] {
        let start = ContinuousClock.now
        while frames.withLock({ $0.count }) < count, ContinuousClock.now - start < timeout { try await Task.sleep(for: .milliseconds(10)) }
        return frames.withLock { $0 }
    }
}

/// Every event the server's `GET /events` hands out from 0, followed page by page.
func pagedFeed(_ client: Client, limit: Int = 50) async throws -> [JSONValue] {
    var after: Int64 = 0
    var events: [JSONValue] = []
    while true {
        let page = try await client.call(.GET, "/events?after=\(after)&limit=\(limit)")
        guard page.status == 200, case .array(let items)? = page.json?["events"], case .number(let next)? = page.json?["next_after"] else {
            throw ProcessFailure(message: "GET /events answered \(page.status)")
        }
        events += items
        if items.isEmpty { return events }
        after = Int64(next) ?? after
    }
}

extension JSONValue {
    var position: Int64? {
        guard case .number(let text)? = self["position"] else { return nil }
        return Int64(text)
    }
}

@Suite("The change feed through real servers", .serialized)
struct EventFeedProcessTests {
    @Test(arguments: StoreKind.allCases)
    func aStreamCarriesEachCommitWithinASecondResumesAndRefusesPastItsLimit(_ kind: StoreKind) async throws {
        let directory = try temporaryDirectory("feed")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (database, cleanup) = try await kind.freshLocation()
        defer { cleanup() }
        let server = try ServerProcess(database: database, log: directory.appendingPathComponent("serve.log"), environment: ["CORA_FEED_MAX_STREAMS": "2"])
        defer { server.kill9() }
        try await server.waitUntilHealthy(.shared)
        let client = Client(http: .shared, port: server.port)

        let stream = try await EventStreamReader(port: server.port)
        defer { stream.close() }
        #expect(stream.status == 200)
        #expect(stream.headers.first(name: "Content-Type") == "text/event-stream")
        var delays: [Duration] = []
        for n in 1...5 {
            let reply = try await client.register()
            let acknowledged = ContinuousClock.now
            #expect(reply.status == 201)
            let frames = try await stream.waitFor(n, timeout: .seconds(10))
            let frame = try #require(frames.count == n ? frames.last : nil, "frame \(n) never came")
            #expect(frame.event == "DatasetRegistered")
            #expect(frame.data["stream_id"] == reply.json?["dataset_id"])
            delays.append(frame.at - acknowledged)
        }
        // The median, and every one within a few seconds: a single late frame on a machine the rest of the
        // suite saturates is the machine's, not the feed's.
        #expect(delays.sorted()[2] < .seconds(1) && delays.allSatisfy { $0 < .seconds(10) }, "\(delays)")
        let streamed = stream.frames.withLock { $0 }
        #expect(streamed.map(\.id) == streamed.compactMap(\.data.position))
        #expect(try await pagedFeed(client, limit: 2) == streamed.map(\.data))

        // Resuming after the second event starts at the third, from the header or the query.
        let resumed = try await EventStreamReader(port: server.port, query: "?after=0", lastEventID: String(streamed[1].id))
        #expect(resumed.status == 200)
        #expect(try await resumed.waitFor(3).map(\.id) == Array(streamed[2...].map(\.id)))

        // Two streams are the limit here: a third is refused, and answered again once one ends.
        let third = try await EventStreamReader(port: server.port)
        #expect(third.status == 503)
        #expect(third.headers.first(name: "Retry-After") == "5")
        let refused = try await client.call(.GET, "/events/stream")
        #expect(refused.json?["code"] == "TooManyStreams")
        resumed.close()
        // A stream learns that its client left when a write to it fails: after a commit or two (made here
        // while waiting), or at the keep-alives every 15 s.
        let start = ContinuousClock.now
        var reopened = try await EventStreamReader(port: server.port, query: "?after=\(streamed[3].id)")
        while reopened.status == 503, ContinuousClock.now - start < .seconds(30) {
            #expect(try await client.register().status == 201)
            try await Task.sleep(for: .milliseconds(500))
            reopened = try await EventStreamReader(port: server.port, query: "?after=\(streamed[3].id)")
        }
        #expect(reopened.status == 200)
        let afterReopening = try await reopened.waitFor(1)
        #expect(afterReopening.prefix(1).map(\.id) == [streamed[4].id], "frames \(afterReopening.map(\.id)), comments \(reopened.comments.withLock { $0 })")
        reopened.close()

        // An idle stream carries a comment every 15 s.
        let idleSince = ContinuousClock.now
        while stream.comments.withLock({ $0.isEmpty }), ContinuousClock.now - idleSince < .seconds(17) { try await Task.sleep(for: .milliseconds(100)) }
        #expect(stream.comments.withLock { $0 } .first == ": keep-alive")

        // Refusals are problems before any stream starts.
        #expect(try await client.call(.GET, "/events/stream?limit=5").status == 422)
        #expect(try await EventStreamReader(port: server.port, lastEventID: "five").status == 422)
        #expect(try await client.call(.GET, "/events?after=-1").status == 422)
        #expect(try await client.call(.GET, "/events?limit=1001").status == 422)
        #expect(try await client.call(.GET, "/events?stream_type=Sample").status == 422)
        // SIGTERM still ends the process while a stream is open.
        #expect(try await server.terminateAndWait() == 0)
    }

    /// Several writer processes on one database, a follower on each and a pager: every event exactly once,
    /// in position order, everywhere.
    @Test(arguments: StoreKind.allCases)
    func underLoadFromSeveralServersEveryFollowerSeesEveryEventOnceInOrder(_ kind: StoreKind) async throws {
        let directory = try temporaryDirectory("feed-load")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (database, cleanup) = try await kind.freshLocation()
        defer { cleanup() }
        // SQLite has one writer per file: one process there; PostgreSQL takes three.
        let count = kind == .postgres ? 3 : 1
        let servers = try (0..<count).map { try ServerProcess(database: database, log: directory.appendingPathComponent("serve-\($0).log")) }
        defer { for server in servers { server.kill9() } }
        for server in servers { try await server.waitUntilHealthy(.shared) }
        let clients = servers.map { Client(http: .shared, port: $0.port) }
        let streams = try await servers.asyncMap { try await EventStreamReader(port: $0.port) }
        defer { for stream in streams { stream.close() } }

        let writers = 12, perWriter = 40
        async let paged: [JSONValue] = {
            // A pager following from 0 while the writes go on, then to the end.
            var seen: [JSONValue] = []
            var after: Int64 = 0
            let start = ContinuousClock.now
            while seen.count < writers * perWriter, ContinuousClock.now - start < .seconds(120) {
                let page = try await clients[0].call(.GET, "/events?after=\(after)&limit=17")
                guard case .array(let items)? = page.json?["events"] else { throw ProcessFailure(message: "GET /events answered \(page.status)") }
                seen += items
                after = items.last?.position ?? after
                if items.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            return seen
        }()
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var statuses: [Int] = []
                    for _ in 0..<perWriter { statuses.append(try await clients[writer % clients.count].register().status) }
                    return statuses
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(statuses.allSatisfy { $0 == 201 }, "\(Dictionary(grouping: statuses, by: { $0 }).mapValues(\.count))")
        let all = try await pagedFeed(clients[0], limit: 1000)
        #expect(all.count == writers * perWriter)
        let positions = all.compactMap(\.position)
        #expect(positions == positions.sorted() && Set(positions).count == positions.count)
        #expect(try await paged == all)
        for (n, stream) in streams.enumerated() {
            let frames = try await stream.waitFor(all.count, timeout: .seconds(30))
            #expect(frames.map(\.data) == all, "stream \(n): \(frames.count) frames of \(all.count)")
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
