import CoraData
import CoraKernel
import Foundation
import SQLiteNIO

/// A write transaction on the writer connection; the store opened it and will commit or roll it back.
struct SQLiteTransaction: DataTransaction {
    let connection: SQLiteConnection
    let clock: any WallClock
    let eventIDs: any IDGenerator
    let retention: Int64

    func load(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]] {
        try await SQLiteEventRows.load(streams, from: connection)
    }

    func insert(_ events: [NewEvent]) async throws -> [Int64] {
        var positions: [Int64] = []
        for event in events {
            let rows: [SQLiteRow]
            do {
                rows = try await connection.query("""
                    INSERT INTO events (event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING position
                    """, [
                        .text(event.eventID.lowercased), .text(event.stream.type.rawValue), .text(event.stream.id.lowercased), .integer(event.version),
                        .text(event.eventType), .text(CanonicalJSON.string(event.payload)), .text(CanonicalJSON.string(event.metadata.json)),
                        .text(event.metadata.correlationID.lowercased), .integer(Int(event.occurredAt.microsecondsSinceEpoch)),
                        .integer(Int(event.recordedAt.microsecondsSinceEpoch)),
                    ])
            } catch let error as SQLiteError where error.reason == .constraintUniqueFailed || error.reason == .constraintPrimaryKeyFailed {
                throw StoreError.concurrencyConflict(event.stream)
            }
            guard let position = rows.first?.column("position")?.integer else { throw StoreError.corrupt("insert returned no position") }
            positions.append(Int64(position))
        }
        return positions
    }

    func apply(_ changes: [ReadModelChange]) async throws {
        for change in changes {
            switch change {
            case .datasetSummary(let change): try await SQLiteDatasetSummaryModel.apply(change, on: connection)
            case .graph(let row): try await SQLiteDatasetGraphModel.insert(row, on: connection)
            }
        }
    }

    func claimIdempotency(_ scope: IdempotencyScope, requestHash: String) async throws -> IdempotencyClaim {
        let now = clock.now()
        let rows = try await connection.query(
            "SELECT request_hash, response_code, response_body, created_at FROM idempotency_keys WHERE principal_id = ? AND key = ?",
            [.text(scope.principal.description), .text(scope.key)])
        let record = try rows.first.map { row in
            guard let hash = row.column("request_hash")?.string, let createdAt = row.column("created_at")?.integer,
                  let status = row.column("response_code")?.integer, let body = row.column("response_body")?.string,
                  let json = try? JSONParser.parse(body)
            else { throw StoreError.corrupt("unreadable idempotency record") }
            return IdempotencyRecord(requestHash: hash, response: StoredResponse(status: status, body: json),
                                     createdAt: Timestamp(microsecondsSinceEpoch: Int64(createdAt)))
        }
        // One writer: nothing else can take the key before this transaction ends, so the claim is implicit.
        return IdempotencyRecord.judge(record, requestHash: requestHash, now: now, retentionMicroseconds: retention) ?? .claimed
    }

    func completeIdempotency(_ scope: IdempotencyScope, requestHash: String, response: StoredResponse) async throws {
        let now = Int(clock.now().microsecondsSinceEpoch)
        _ = try await connection.query("""
            INSERT INTO idempotency_keys (principal_id, key, request_hash, status, response_code, response_body, created_at, completed_at)
            VALUES (?, ?, ?, 'completed', ?, ?, ?, ?)
            ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = 'completed',
                response_code = excluded.response_code, response_body = excluded.response_body,
                created_at = excluded.created_at, completed_at = excluded.completed_at
            """, [.text(scope.principal.description), .text(scope.key), .text(requestHash), .integer(response.status),
                  .text(CanonicalJSON.string(response.body)), .integer(now), .integer(now)])
    }
}

/// Reading event rows back into envelopes.
enum SQLiteEventRows {
    static let columns = "position, event_id, stream_type, stream_id, version, event_type, payload, metadata, occurred_at, recorded_at"

    /// One statement for all streams: a UNION ALL of one indexed `stream_type = ? AND stream_id IN (…)`
    /// lookup per stream type, so each part is a range scan of UNIQUE(stream_type, stream_id, version).
    static func load(_ streams: [StreamID], from connection: SQLiteConnection) async throws -> [StreamID: [RecordedEvent]] {
        var result: [StreamID: [RecordedEvent]] = [:]
        for stream in streams { result[stream] = [] }
        let byType = Dictionary(grouping: Set(streams), by: \.type)
        guard !byType.isEmpty else { return result }
        var parts: [String] = []
        var binds: [SQLiteData] = []
        for (type, members) in byType.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            parts.append("SELECT \(columns) FROM events WHERE stream_type = ? AND stream_id IN (\(Array(repeating: "?", count: members.count).joined(separator: ", ")))")
            binds.append(.text(type.rawValue))
            binds += members.map { .text($0.id.lowercased) }
        }
        let sql = parts.joined(separator: " UNION ALL ") + " ORDER BY position"
        for row in try await connection.query(sql, binds) {
            let event = try decode(row)
            result[event.stream, default: []].append(event)
        }
        return result
    }

    static func decode(_ row: SQLiteRow) throws -> RecordedEvent {
        guard let position = row.column("position")?.integer,
              let eventID = row.column("event_id")?.string.flatMap(UUID.init(strict:)),
              let type = row.column("stream_type")?.string.flatMap(StreamType.init(rawValue:)),
              let streamID = row.column("stream_id")?.string.flatMap(UUID.init(strict:)),
              let version = row.column("version")?.integer,
              let eventType = row.column("event_type")?.string,
              let payloadText = row.column("payload")?.string, let payload = try? JSONParser.parse(payloadText),
              let metadataText = row.column("metadata")?.string, let metadataJSON = try? JSONParser.parse(metadataText),
              let metadata = EventMetadata(json: metadataJSON),
              let occurredAt = row.column("occurred_at")?.integer,
              let recordedAt = row.column("recorded_at")?.integer
        else { throw StoreError.corrupt("unreadable event row") }
        return RecordedEvent(position: Int64(position), eventID: eventID, stream: StreamID(type, streamID), version: version,
                             eventType: eventType, payload: payload, metadata: metadata,
                             occurredAt: Timestamp(microsecondsSinceEpoch: Int64(occurredAt)),
                             recordedAt: Timestamp(microsecondsSinceEpoch: Int64(recordedAt)))
    }
}
