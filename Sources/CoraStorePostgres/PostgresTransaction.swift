import CoraData
import CoraKernel
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// SQL fragments converting between integer microseconds (the domain's time) and `timestamptz`
/// exactly, without a round trip through floating-point `Date`.
enum PostgresTime {
    static func micros(_ column: String) -> String { "(extract(epoch FROM \(column)) * 1000000)::int8" }
}

/// A command on one leased connection, in at most three round trips: each read is one statement on its
/// own, and the writes are staged and sent at the end as one call of `cora_commit`, which claims the
/// idempotency key, appends at the versions read, writes every read model and commits. Optimistic
/// concurrency is the events' unique `(stream_type, stream_id, version)`; exactly-once registration is the
/// key's primary key, taken in the committing statement under an advisory lock (a twin request
/// committing at that moment hears in-flight).
final class PostgresTransaction: DataTransaction, Sendable {
    private struct Staged {
        var events: [NewEvent] = []
        var changes: [ReadModelChange] = []
        var completion: (scope: IdempotencyScope, requestHash: String, response: StoredResponse)?
    }

    /// Leased by `withConnection` for exactly the command's lifetime.
    let connection: PostgresConnection
    let store: PostgresStore
    private let staged = Mutex(Staged())

    init(connection: PostgresConnection, store: PostgresStore) {
        self.connection = connection
        self.store = store
    }

    var logger: Logger { store.logger }
    var clock: any WallClock { store.clock }
    var eventIDs: any IDGenerator { store.eventIDs }

    func load(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]] {
        try await PostgresEventRows.load(streams, on: connection, logger: logger)
    }

    func claimIdempotency(_ scope: IdempotencyScope, requestHash: String) async throws -> IdempotencyClaim {
        var record: IdempotencyRecord?
        for try await row in try await connection.prepared(SelectIdempotency.self, SelectIdempotency.query(scope), logger: logger) {
            record = try IdempotencyRows.record(row.makeRandomAccess())
        }
        return judge(record, requestHash: requestHash)
    }

    /// The key's record and the streams in one statement.
    func claimIdempotency(_ scope: IdempotencyScope, requestHash: String, loading streams: [StreamID]) async throws
        -> (IdempotencyClaim, [StreamID: [RecordedEvent]]) {
        var record: IdempotencyRecord?
        var loaded: [StreamID: [RecordedEvent]] = [:]
        for stream in streams { loaded[stream] = [] }
        for try await row in try await connection.prepared(SelectIdempotencyAndStreams.self, SelectIdempotencyAndStreams.query(scope, streams), logger: logger) {
            let columns = row.makeRandomAccess()
            if record == nil { record = try IdempotencyRows.record(columns) }
            if try columns[IdempotencyRows.width].decode(Int64?.self) != nil {
                let event = try PostgresEventRows.decode(columns, from: IdempotencyRows.width)
                loaded[event.stream, default: []].append(event)
            }
        }
        return (judge(record, requestHash: requestHash), loaded)
    }

    /// A free key is claimed only in the committing statement, which refuses it if another took it since.
    private func judge(_ record: IdempotencyRecord?, requestHash: String) -> IdempotencyClaim {
        IdempotencyRecord.judge(record, requestHash: requestHash, now: store.clock.now(), retentionMicroseconds: store.retention) ?? .claimed
    }

    func insert(_ events: [NewEvent]) async throws -> [Int64] {
        staged.withLock { staged in
            let first = staged.events.count
            staged.events += events
            return (0..<events.count).map { -Int64(first + $0 + 1) }
        }
    }

    func apply(_ changes: [ReadModelChange]) async throws {
        staged.withLock { $0.changes += changes }
    }

    func completeIdempotency(_ scope: IdempotencyScope, requestHash: String, response: StoredResponse) async throws {
        staged.withLock { $0.completion = (scope, requestHash, response) }
    }

    /// Sends everything staged in one statement, which commits; answers the events' final positions.
    func commit() async throws -> [Int64] {
        let staged = self.staged.withLock { $0 }
        guard !staged.events.isEmpty || !staged.changes.isEmpty || staged.completion != nil else { return [] }
        let now = store.clock.now().microsecondsSinceEpoch
        let query = CommitCommand.query(staged.events, readModels: Self.readModelDocument(staged.changes), completion: staged.completion,
                                        now: now, expiredBefore: now - store.retention)
        var outcome = ""
        var positions: [Int64] = []
        do {
            for try await (answer, appended) in try await connection.prepared(CommitCommand.self, query, logger: logger).decode((String, [Int64]?).self) {
                outcome = answer
                positions = appended ?? []
            }
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "CR409" {
            guard let type = error.serverInfo?[.detail].flatMap(StreamType.init(rawValue:)), let id = error.serverInfo?[.hint].flatMap(UUID.init(uuidString:))
            else { throw StoreError.corrupt("a conflict without its stream") }
            throw StoreError.concurrencyConflict(StreamID(type, id))
        }
        switch outcome {
        case "committed" where positions.count == staged.events.count: return positions
        case "in_flight": throw IdempotencyError.inFlight
        case "key_taken": throw StoreError.idempotencyKeyTaken
        default: throw StoreError.corrupt("cora_commit answered \(outcome) with \(positions.count) positions for \(staged.events.count) events")
        }
    }

    /// The read-model rows as `cora_commit` reads them, by table.
    static func readModelDocument(_ changes: [ReadModelChange]) -> JSONValue {
        var summaries: [DatasetSummaryChange] = []
        var graph: [GraphRow] = []
        for change in changes {
            switch change {
            case .datasetSummary(let change): summaries.append(change)
            case .graph(let row): graph.append(row)
            }
        }
        return .object(PostgresDatasetSummaryModel.commitRows(summaries).merging(PostgresDatasetGraphModel.commitRows(graph)) { first, _ in first })
    }
}

/// An idempotency record's columns at the start of a row.
enum IdempotencyRows {
    static let width = 4
    static let columns = "k.request_hash, k.response_code, k.response_body::text, \(PostgresTime.micros("k.created_at"))"

    static func record(_ row: PostgresRandomAccessRow) throws -> IdempotencyRecord? {
        guard let hash = try row[0].decode(String?.self) else { return nil }
        guard let code = try row[1].decode(Int32?.self), let body = try row[2].decode(String?.self), let json = try? JSONParser.parse(body),
              let createdAt = try row[3].decode(Int64?.self)
        else { throw StoreError.corrupt("idempotency record without a response") }
        return IdempotencyRecord(requestHash: hash, response: StoredResponse(status: Int(code), body: json), createdAt: Timestamp(microsecondsSinceEpoch: createdAt))
    }
}

/// Reading event rows back into envelopes.
enum PostgresEventRows: FixedShapeStatement {
    static let name = "cora.load_streams"
    static let sql = query([]).sql
    static var otherValues: PostgresQuery { query([StreamID(.run, UUID()), StreamID(.dataset, UUID()), StreamID(.subject, UUID())]) }

    static func query(_ streams: [StreamID]) -> PostgresQuery {
        let types = streams.map(\.type.rawValue)
        let ids = streams.map(\.id)
        return """
            SELECT \(unescaped: columns)
            FROM unnest(\(types)::text[], \(ids)::uuid[]) AS wanted(stream_type, stream_id)
            JOIN events e ON e.stream_type = wanted.stream_type AND e.stream_id = wanted.stream_id
            ORDER BY e.position
            """
    }

    /// All streams in one statement: the requested keys are joined as an array pair, so each one is an
    /// index range scan of UNIQUE (stream_type, stream_id, version).
    static func load(_ streams: [StreamID], on connection: PostgresConnection, logger: Logger) async throws -> [StreamID: [RecordedEvent]] {
        var result: [StreamID: [RecordedEvent]] = [:]
        for stream in streams { result[stream] = [] }
        guard !streams.isEmpty else { return result }
        let rows = try await connection.prepared(PostgresEventRows.self, query(streams), logger: logger)
        for try await row in rows {
            let event = try decode(row.makeRandomAccess(), from: 0)
            result[event.stream, default: []].append(event)
        }
        return result
    }

    /// The envelope columns in this order: position, event_id, stream_type, stream_id, version,
    /// event_type, payload, metadata, occurred_at and recorded_at in microseconds.
    static let columns = """
        e.position, e.event_id, e.stream_type, e.stream_id, e.version, e.event_type, e.payload::text, e.metadata::text,
        \(PostgresTime.micros("e.occurred_at")), \(PostgresTime.micros("e.recorded_at"))
        """

    /// One event from `columns`, starting at column `first`.
    static func decode(_ row: PostgresRandomAccessRow, from first: Int) throws -> RecordedEvent {
        let position = try row[first].decode(Int64.self)
        let (eventID, type, streamID, version, eventType) = (try row[first + 1].decode(UUID.self), try row[first + 2].decode(String.self),
                                                              try row[first + 3].decode(UUID.self), try row[first + 4].decode(Int32.self),
                                                              try row[first + 5].decode(String.self))
        let (payload, metadata, occurredAt, recordedAt) = (try row[first + 6].decode(String.self), try row[first + 7].decode(String.self),
                                                           try row[first + 8].decode(Int64.self), try row[first + 9].decode(Int64.self))
        guard let streamType = StreamType(rawValue: type), let payloadJSON = try? JSONParser.parse(payload),
              let metadataJSON = try? JSONParser.parse(metadata), let envelope = EventMetadata(json: metadataJSON)
        else { throw StoreError.corrupt("unreadable event at position \(position)") }
        return RecordedEvent(
            position: position, eventID: eventID, stream: StreamID(streamType, streamID), version: Int(version), eventType: eventType, payload: payloadJSON,
            metadata: envelope, occurredAt: Timestamp(microsecondsSinceEpoch: occurredAt), recordedAt: Timestamp(microsecondsSinceEpoch: recordedAt))
    }
}

// The command path's statements, each prepared once per connection.

enum SelectIdempotency: FixedShapeStatement {
    static let name = "cora.select_idempotency"
    static let sql = query(IdempotencyScope(principal: PrincipalID(UUID()), key: "")).sql
    static var otherValues: PostgresQuery { query(IdempotencyScope(principal: PrincipalID(UUID()), key: "another key")) }
    static func query(_ scope: IdempotencyScope) -> PostgresQuery {
        "SELECT \(unescaped: IdempotencyRows.columns) FROM idempotency_keys k WHERE k.principal_id = \(scope.principal.uuid) AND k.key = \(scope.key)"
    }
}

/// The key's record (or nulls) on every row, beside each event of the streams (or one row of nulls).
enum SelectIdempotencyAndStreams: FixedShapeStatement {
    static let name = "cora.select_idempotency_streams"
    static let sql = query(IdempotencyScope(principal: PrincipalID(UUID()), key: ""), []).sql
    static var otherValues: PostgresQuery {
        query(IdempotencyScope(principal: PrincipalID(UUID()), key: "k"), [StreamID(.run, UUID()), StreamID(.dataset, UUID())])
    }
    static func query(_ scope: IdempotencyScope, _ streams: [StreamID]) -> PostgresQuery {
        """
        SELECT \(unescaped: IdempotencyRows.columns), loaded.*
        FROM (SELECT 1) AS one
        LEFT JOIN idempotency_keys k ON k.principal_id = \(scope.principal.uuid) AND k.key = \(scope.key)
        LEFT JOIN LATERAL (
            SELECT \(unescaped: PostgresEventRows.columns)
            FROM unnest(\(streams.map(\.type.rawValue))::text[], \(streams.map(\.id))::uuid[]) AS wanted(stream_type, stream_id)
            JOIN events e ON e.stream_type = wanted.stream_type AND e.stream_id = wanted.stream_id
        ) AS loaded ON true
        ORDER BY \(unescaped: String(IdempotencyRows.width + 1))
        """
    }
}

enum CommitCommand: FixedShapeStatement {
    static let name = "cora.commit"
    static let sql = query([], readModels: .object([:]), completion: nil, now: 0, expiredBefore: 0).sql
    static var otherValues: PostgresQuery {
        query([NewEvent(eventID: UUID(), stream: StreamID(.subject, UUID()), version: 7, eventType: "SubjectRegistered", payload: ["name": "x"],
                        metadata: EventMetadata(actorID: PrincipalID(UUID()), correlationID: UUID(), causationID: UUID()),
                        occurredAt: Timestamp(microsecondsSinceEpoch: 1_750_000_000_000_000), recordedAt: Timestamp(microsecondsSinceEpoch: -1))],
              readModels: ["states": []], completion: (IdempotencyScope(principal: PrincipalID(UUID()), key: "k"), "h", StoredResponse(status: 201, body: ["x": "y"])),
              now: 5, expiredBefore: 4)
    }

    static func query(_ events: [NewEvent], readModels: JSONValue, completion: (scope: IdempotencyScope, requestHash: String, response: StoredResponse)?,
                      now: Int64, expiredBefore: Int64) -> PostgresQuery {
        let body = completion.map { CanonicalJSON.string($0.response.body) }
        return """
            SELECT outcome, positions FROM cora_commit(
                \(completion?.scope.principal.uuid)::uuid, \(completion?.scope.key)::text, \(completion?.requestHash)::text,
                \(completion.map { Int32($0.response.status) })::int4, \(body)::text::jsonb, \(now)::int8, \(expiredBefore)::int8,
                \(events.map(\.eventID))::uuid[], \(events.map(\.stream.type.rawValue))::text[], \(events.map(\.stream.id))::uuid[],
                \(events.map { Int32($0.version) })::int4[], \(events.map(\.eventType))::text[],
                \(events.map { CanonicalJSON.string($0.payload) })::text[]::jsonb[], \(events.map { CanonicalJSON.string($0.metadata.json) })::text[]::jsonb[],
                \(events.map(\.metadata.correlationID))::uuid[], \(events.map(\.occurredAt.microsecondsSinceEpoch))::int8[],
                \(events.map(\.recordedAt.microsecondsSinceEpoch))::int8[], \(CanonicalJSON.string(readModels))::text::jsonb)
            """
    }
}
