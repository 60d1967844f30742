import CoraData
import CoraKernel
import Foundation
import Logging
import PostgresNIO

/// SQL fragments converting between integer microseconds (the domain's time) and `timestamptz`
/// exactly, without a round trip through floating-point `Date`.
enum PostgresTime {
    static func micros(_ column: String) -> String { "(extract(epoch FROM \(column)) * 1000000)::int8" }
}

/// One transaction on a leased connection; the store begins and commits or rolls it back.
struct PostgresTransaction: DataTransaction, @unchecked Sendable {
    // The connection is owned by `withTransaction` for exactly the closure's lifetime; it is not shared.
    let connection: PostgresConnection
    let store: PostgresStore

    var logger: Logger { store.logger }
    var clock: any WallClock { store.clock }
    var eventIDs: any IDGenerator { store.eventIDs }

    func load(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]] {
        try await PostgresEventRows.load(streams, on: connection, logger: logger)
    }

    func insert(_ events: [NewEvent]) async throws -> [Int64] {
        var positions: [Int64] = []
        for event in events {
            do {
                let rows = try await connection.prepared(InsertEvent.self, InsertEvent.query(event), logger: logger)
                for try await row in rows { positions.append(try row.decode(Int64.self)) }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
                throw StoreError.concurrencyConflict(event.stream)
            }
        }
        return positions
    }

    func apply(_ changes: [ReadModelChange]) async throws {
        for change in changes {
            switch change {
            case .datasetSummary(let change): try await PostgresDatasetSummaryModel.apply(change, on: connection, logger: logger)
            case .graph(let row): try await PostgresDatasetGraphModel.insert(row, on: connection, logger: logger)
            }
        }
    }

    func claimIdempotency(_ scope: IdempotencyScope, requestHash: String) async throws -> IdempotencyClaim {
        // Another process running the same key holds this lock until its transaction ends: answer
        // in-flight at once rather than queue behind it.
        let lockName = "\(scope.principal)/\(scope.key)"
        var acquired = false
        for try await row in try await connection.prepared(TryIdempotencyLock.self, TryIdempotencyLock.query(lockName), logger: logger) {
            acquired = try row.decode(Bool.self)
        }
        guard acquired else { return .inFlight }
        let now = store.clock.now()
        var record: IdempotencyRecord?
        let rows = try await connection.prepared(SelectIdempotency.self, SelectIdempotency.query(scope), logger: logger)
        for try await row in rows {
            let (hash, code, body, createdAt) = try row.decode((String, Int32?, String?, Int64).self)
            guard let code, let body, let json = try? JSONParser.parse(body) else { throw StoreError.corrupt("idempotency record without a response") }
            record = IdempotencyRecord(requestHash: hash, response: StoredResponse(status: Int(code), body: json), createdAt: Timestamp(microsecondsSinceEpoch: createdAt))
        }
        // The advisory lock, held to the end of this transaction, is the claim.
        return IdempotencyRecord.judge(record, requestHash: requestHash, now: now, retentionMicroseconds: store.retention) ?? .claimed
    }

    func completeIdempotency(_ scope: IdempotencyScope, requestHash: String, response: StoredResponse) async throws {
        try await connection.preparedCommand(
            CompleteIdempotency.self, CompleteIdempotency.query(scope, requestHash: requestHash, response: response, now: store.clock.now()), logger: logger)
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

// The write path's statements, each prepared once per connection.

enum InsertEvent: FixedShapeStatement {
    static let name = "cora.insert_event"
    static let sql = query(NewEvent(eventID: UUID(), stream: StreamID(.dataset, UUID()), version: 1, eventType: "", payload: .null,
                                    metadata: EventMetadata(actorID: PrincipalID(UUID()), correlationID: UUID()),
                                    occurredAt: Timestamp(microsecondsSinceEpoch: 0), recordedAt: Timestamp(microsecondsSinceEpoch: 0))).sql
    static var otherValues: PostgresQuery {
        query(NewEvent(eventID: UUID(), stream: StreamID(.subject, UUID()), version: 7, eventType: "SubjectRegistered", payload: ["name": "x"],
                       metadata: EventMetadata(actorID: PrincipalID(UUID()), correlationID: UUID(), causationID: UUID()),
                       occurredAt: Timestamp(microsecondsSinceEpoch: 1_750_000_000_000_000), recordedAt: Timestamp(microsecondsSinceEpoch: -1)))
    }

    static func query(_ event: NewEvent) -> PostgresQuery {
        // The change feed's proof rests on this order: the transaction has its id before the sequence
        // hands it a position (the CTE's row is produced before the row that takes `nextval`), so any
        // transaction holding a position is in the snapshot of a reader that sees a later position. The
        // notification is the feed's wake-up, delivered at commit to every listening process.
        """
        WITH forced AS MATERIALIZED (SELECT pg_current_xact_id() AS xid, pg_notify('\(unescaped: PostgresEventFeed.channel)', '') AS woken)
        INSERT INTO events (event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at, recorded_at)
        SELECT \(event.eventID), \(event.stream.type.rawValue), \(event.stream.id), \(Int32(event.version)), \(event.eventType),
               \(CanonicalJSON.string(event.payload))::jsonb, \(CanonicalJSON.string(event.metadata.json))::jsonb, \(event.metadata.correlationID),
               timestamptz 'epoch' + \(event.occurredAt.microsecondsSinceEpoch)::int8 * interval '1 microsecond',
               timestamptz 'epoch' + \(event.recordedAt.microsecondsSinceEpoch)::int8 * interval '1 microsecond'
        FROM forced
        RETURNING position
        """
    }
}

enum TryIdempotencyLock: FixedShapeStatement {
    static let name = "cora.try_idempotency_lock"
    static let sql = query("").sql
    static var otherValues: PostgresQuery { query("11111111-2222-3333-4444-555555555555/some key") }
    static func query(_ lockName: String) -> PostgresQuery { "SELECT pg_try_advisory_xact_lock(hashtextextended(\(lockName), 0))" }
}

enum SelectIdempotency: FixedShapeStatement {
    static let name = "cora.select_idempotency"
    static let sql = query(IdempotencyScope(principal: PrincipalID(UUID()), key: "")).sql
    static var otherValues: PostgresQuery { query(IdempotencyScope(principal: PrincipalID(UUID()), key: "another key")) }
    static func query(_ scope: IdempotencyScope) -> PostgresQuery {
        """
        SELECT request_hash, response_code, response_body::text, \(unescaped: PostgresTime.micros("created_at"))
        FROM idempotency_keys WHERE principal_id = \(scope.principal.uuid) AND key = \(scope.key)
        """
    }
}

enum CompleteIdempotency: FixedShapeStatement {
    static let name = "cora.complete_idempotency"
    static let sql = query(IdempotencyScope(principal: PrincipalID(UUID()), key: ""), requestHash: "", response: StoredResponse(status: 0, body: .null),
                           now: Timestamp(microsecondsSinceEpoch: 0)).sql
    static var otherValues: PostgresQuery {
        query(IdempotencyScope(principal: PrincipalID(UUID()), key: "k"), requestHash: "h", response: StoredResponse(status: 201, body: ["dataset_id": "x"]),
              now: Timestamp(microsecondsSinceEpoch: 1_750_000_000_000_000))
    }
    static func query(_ scope: IdempotencyScope, requestHash: String, response: StoredResponse, now: Timestamp) -> PostgresQuery {
        """
        INSERT INTO idempotency_keys (principal_id, key, request_hash, status, response_code, response_body, created_at, completed_at)
        VALUES (\(scope.principal.uuid), \(scope.key), \(requestHash), 'completed', \(Int32(response.status)),
                \(CanonicalJSON.string(response.body))::jsonb,
                timestamptz 'epoch' + \(now.microsecondsSinceEpoch)::int8 * interval '1 microsecond',
                timestamptz 'epoch' + \(now.microsecondsSinceEpoch)::int8 * interval '1 microsecond')
        ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = 'completed',
            response_code = excluded.response_code, response_body = excluded.response_body,
            created_at = excluded.created_at, completed_at = excluded.completed_at
        """
    }
}
