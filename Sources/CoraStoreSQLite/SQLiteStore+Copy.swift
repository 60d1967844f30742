import CoraData
import CoraKernel
import Foundation
import SQLiteNIO

// CatalogCopying, part of CoraStore: the rows of another store written as they were.
extension SQLiteStore {
    public func holdings() async throws -> StoreHoldings {
        try await readOnly { connection in
            let row = try await connection.query("""
                SELECT (SELECT COUNT(*) FROM events) AS events, (SELECT COALESCE(MAX(position), 0) FROM events) AS last,
                       (SELECT COUNT(*) FROM idempotency_keys) AS keys
                """).first
            guard let events = row?.column("events")?.integer, let last = row?.column("last")?.integer, let keys = row?.column("keys")?.integer else {
                throw StoreError.corrupt("unreadable store holdings")
            }
            return StoreHoldings(events: events, lastPosition: Int64(last), idempotencyRecords: keys)
        }
    }

    /// Rows of 11 values, so a statement stays under SQLite's limit of bound values.
    static let copiedRowsPerStatement = 500

    public func insertCopiedEvents(_ events: [RecordedEvent]) async throws {
        try await writing { connection in
            for start in stride(from: 0, to: events.count, by: Self.copiedRowsPerStatement) {
                let chunk = events[start..<min(start + Self.copiedRowsPerStatement, events.count)]
                let rows = Array(repeating: "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
                let binds: [SQLiteData] = chunk.flatMap { event -> [SQLiteData] in
                    [.integer(Int(event.position)), .text(event.eventID.lowercased), .text(event.stream.type.rawValue), .text(event.stream.id.lowercased),
                     .integer(event.version), .text(event.eventType), .text(CanonicalJSON.string(event.payload)), .text(CanonicalJSON.string(event.metadata.json)),
                     .text(event.metadata.correlationID.lowercased), .integer(Int(event.occurredAt.microsecondsSinceEpoch)),
                     .integer(Int(event.recordedAt.microsecondsSinceEpoch))]
                }
                _ = try await connection.query("""
                    INSERT INTO events (position, event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at, recorded_at)
                    VALUES \(rows)
                    """, binds)
            }
        }
    }

    public func idempotencyEntries(after: IdempotencyScope?, createdSince: Timestamp, limit: Int) async throws -> [IdempotencyEntry] {
        try await readOnly { connection in
            let rows = try await connection.query("""
                SELECT principal_id, key, request_hash, response_code, response_body, created_at, completed_at FROM idempotency_keys
                WHERE status = 'completed' AND created_at >= ? AND (principal_id, key) > (?, ?)
                ORDER BY principal_id, key LIMIT ?
                """, [.integer(Int(createdSince.microsecondsSinceEpoch)), .text(after?.principal.description ?? ""), .text(after?.key ?? ""), .integer(limit)])
            return try rows.map { row in
                guard let principal = row.column("principal_id")?.string.flatMap(UUID.init(strict:)), let key = row.column("key")?.string,
                      let hash = row.column("request_hash")?.string, let status = row.column("response_code")?.integer,
                      let body = row.column("response_body")?.string.flatMap({ try? JSONParser.parse($0) }),
                      let createdAt = row.column("created_at")?.integer, let completedAt = row.column("completed_at")?.integer
                else { throw StoreError.corrupt("unreadable idempotency record") }
                return IdempotencyEntry(scope: IdempotencyScope(principal: PrincipalID(principal), key: key), requestHash: hash,
                                        response: StoredResponse(status: status, body: body),
                                        createdAt: Timestamp(microsecondsSinceEpoch: Int64(createdAt)), completedAt: Timestamp(microsecondsSinceEpoch: Int64(completedAt)))
            }
        }
    }

    public func insertCopiedIdempotency(_ entries: [IdempotencyEntry]) async throws {
        try await writing { connection in
            for entry in entries {
                _ = try await connection.query("""
                    INSERT OR REPLACE INTO idempotency_keys (principal_id, key, request_hash, status, response_code, response_body, created_at, completed_at)
                    VALUES (?, ?, ?, 'completed', ?, ?, ?, ?)
                    """, [.text(entry.scope.principal.description), .text(entry.scope.key), .text(entry.requestHash), .integer(entry.response.status),
                          .text(CanonicalJSON.string(entry.response.body)), .integer(Int(entry.createdAt.microsecondsSinceEpoch)),
                          .integer(Int(entry.completedAt.microsecondsSinceEpoch))])
            }
        }
    }
}
