import CoraData
import CoraKernel
import Foundation

extension Slices {
    /// `GET /events`, MCP `read_events`.
    public static let readEvents = readEvents(pageLimit: nil)

    /// `GET /events/stream`: where the stream starts (REST puts `Last-Event-ID` in `after`); the stream
    /// pages by itself, in pages of the largest size.
    public static let readEventStream = readEvents(pageLimit: ReadEvents.limitRange.upperBound)

    private static func readEvents(pageLimit: Int?) -> Slice<WireRequest, ReadEvents, EventPage> {
        Slice(.readEvents, refusals: []) { request in
            var parameters = request.parameters.reader
            let after = try parameters.integer("after", in: 0...Int(Int64.max)) ?? 0
            let limit = try pageLimit ?? parameters.integer("limit", in: ReadEvents.limitRange) ?? 100
            let streamType = try parameters.choice("stream_type", StreamType.self)
            try parameters.finish()
            let query = ReadEvents(after: Int64(after), limit: limit, streamType: streamType)
            return { query }
        } handle: { dependencies, query, _, _ in
            try await ReadEventsHandler(dependencies).handle(query)
        }
    }
}
