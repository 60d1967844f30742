import CoraData
import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

// The change feed (CONTRACT §15): pages of the log, and the same as Server-Sent Events.

extension Endpoints {
    static let readEvents = Endpoint(.get, "/events", Slices.readEvents, OpenAPIOperation(
        "ReadEvents", "Committed events after a position, in position order: every event exactly once to a consumer that follows next_after.",
        queryParameters: Schema.readEventsParameters, responses: [(200, "A page of the log.", Schema.eventPage)]
    )) { page in Responses.json(page.representation) }

    static let readEventStream = Endpoint(.get, "/events/stream", OpenAPIOperation(
        "ReadEventStream", """
            The change feed as Server-Sent Events: each event as `id: <position>`, `event: <event_type>`, `data: <the GET /events item>`, \
            pushed within a second of its commit; a comment line every 15 s; Last-Event-ID resumes.
            """,
        queryParameters: Schema.eventStreamParameters,
        headers: [("Last-Event-ID", false, ["type": "string", "pattern": "^[0-9]{1,19}$"], "The id of the last event received: resume after it (instead of after).")],
        responses: [(200, "The event stream (text/event-stream).", nil)], alternatives: ["text/event-stream": ["type": "string"]],
        refusals: ["TooManyStreams"]
    ).documenting(Slices.readEventStream, pathParameters: [], body: false)) { request, context, services in
        // A reconnecting browser repeats the URL and names the last event it received: that wins.
        var (pairs, minPosition) = try RestInput.parameters(request)
        if let resume = request.headers[lastEventID] {
            pairs = pairs.filter { $0.name != "after" } + [("after", resume)]
        }
        // The first page before answering, so a refusal is a problem, not a stream that breaks off.
        let first = try await services.runner.run(Slices.readEventStream, WireRequest(parameters: .pairs(pairs), minPosition: minPosition),
                                                  identify: RestInput.identify(request, context))
        let following = try services.feed.follow()
        context.connectionClosed.whenComplete { _ in following.end() }
        let handler = ReadEventsHandler(services.runner.dependencies)
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: ResponseBody { writer in
            // A stream never ends by itself: at shutdown it is ended, so that the server can stop.
            try await withGracefulShutdownHandler {
                try await stream(from: first, following: following, handler: handler, into: &writer)
            } onGracefulShutdown: {
                following.end()
            }
            try await writer.finish(nil)
        })
    }

    /// Writes the first page, then every page after it as wake-ups come, until the follower is ended
    /// (shutdown) or a write fails (the client went away).
    private static func stream(from first: EventPage, following: EventFeedFollowers.Following, handler: ReadEventsHandler,
                               into writer: inout any ResponseBodyWriter) async throws {
        defer { following.end() }
        var page = first
        try await writer.write(ServerSentEvents.frames(page.events, retryMilliseconds: 1000))
        var wakeups = following.wakeups.makeAsyncIterator()
        // Read once more before the first wait: a commit between the first page and the start of
        // following woke nobody, and would reach this stream only with the next commit or keep-alive.
        var caughtUp = false
        while true {
            if caughtUp {
                guard let wakeup = await wakeups.next() else { break }
                if wakeup == .keepAlive { try await writer.write(ServerSentEvents.keepAlive) }
            }
            // A store that fails for a moment is read again at the next wake-up; the stream stays open.
            guard let next = try? await handler.handle(page.next) else {
                caughtUp = true
                continue
            }
            if !next.events.isEmpty { try await writer.write(ServerSentEvents.frames(next.events)) }
            page = next
            caughtUp = !page.isFull
        }
    }

    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}

/// The text/event-stream framing: one event per position, its type as the event name, its feed item as
/// one line of data (canonical JSON has no line breaks).
enum ServerSentEvents {
    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")

    static func frames(_ events: [RecordedEvent], retryMilliseconds: Int? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        if let retryMilliseconds { buffer.writeString("retry: \(retryMilliseconds)\n\n") }
        for event in events {
            buffer.writeString("id: \(event.position)\nevent: \(event.eventType)\ndata: ")
            buffer.writeBytes(CanonicalJSON.bytes(event.feedItem))
            buffer.writeString("\n\n")
        }
        return buffer
    }
}
