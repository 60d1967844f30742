import CoraKernel
import Foundation

/// "What happened after position `after`?": the change feed, one page of the log in position order.
public struct ReadEvents: Sendable, Equatable {
    public static let limitRange = 1...1000

    public let after: Int64
    public let limit: Int
    public let streamType: StreamType?

    public init(after: Int64 = 0, limit: Int = 100, streamType: StreamType? = nil) {
        self.after = after
        self.limit = limit
        self.streamType = streamType
    }
}

public struct EventPage: Sendable, Equatable {
    public let query: ReadEvents
    public let events: [RecordedEvent]
    /// The last position returned, or the page's `after` when it is empty: where the next page starts.
    public let nextAfter: Int64

    /// The same query, for the page after this one.
    public var next: ReadEvents { ReadEvents(after: nextAfter, limit: query.limit, streamType: query.streamType) }
    public var isFull: Bool { events.count == query.limit }
}

public struct ReadEventsHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(_ query: ReadEvents) async throws -> EventPage {
        let events = try await dependencies.store.readEvents(after: query.after, limit: query.limit, streamType: query.streamType)
        return EventPage(query: query, events: events, nextAfter: events.last?.position ?? query.after)
    }
}
