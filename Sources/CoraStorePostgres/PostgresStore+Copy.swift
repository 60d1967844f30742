import CoraData
import CoraKernel
import Foundation
import PostgresNIO

// CatalogCopying, part of CoraStore: the rows of another store written as they were.
extension PostgresStore {
    public func holdings() async throws -> StoreHoldings {
        try await bounded { [self] in
            let rows = try await client.query("""
                SELECT (SELECT COUNT(*) FROM events), (SELECT COALESCE(MAX(position), 0) FROM events), (SELECT COUNT(*) FROM idempotency_keys)
                """, logger: logger)
            for try await (events, last, keys) in rows.decode((Int64, Int64, Int64).self) {
                return StoreHoldings(events: Int(events), lastPosition: last, idempotencyRecords: Int(keys))
            }
            throw StoreError.corrupt("unreadable store holdings")
        }
    }

    /// One statement per batch: the columns as arrays, unnested into rows; the position sequence is
    /// moved to the highest position in the same statement, so later appends number on from there.
    public func insertCopiedEvents(_ events: [RecordedEvent]) async throws {
        guard !events.isEmpty else { return }
        let positions = events.map(\.position), eventIDs = events.map(\.eventID), types = events.map(\.stream.type.rawValue)
        let streamIDs = events.map(\.stream.id), versions = events.map { Int32($0.version) }, eventTypes = events.map(\.eventType)
        let payloads = events.map { CanonicalJSON.string($0.payload) }, metadata = events.map { CanonicalJSON.string($0.metadata.json) }
        let correlations = events.map(\.metadata.correlationID)
        let occurred = events.map(\.occurredAt.microsecondsSinceEpoch), recorded = events.map(\.recordedAt.microsecondsSinceEpoch)
        try await bounded { [self] in
            try await client.withTransaction(logger: logger) { connection in
                _ = try await connection.query("""
                    WITH copied AS (
                        INSERT INTO events (position, event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at, recorded_at)
                        SELECT r.position, r.event_id, r.stream_type, r.stream_id, r.version, r.event_type, r.payload::jsonb, r.metadata::jsonb, r.correlation_id,
                               timestamptz 'epoch' + r.occurred_at * interval '1 microsecond', timestamptz 'epoch' + r.recorded_at * interval '1 microsecond'
                        FROM unnest(\(positions)::int8[], \(eventIDs)::uuid[], \(types)::text[], \(streamIDs)::uuid[], \(versions)::int4[], \(eventTypes)::text[],
                                    \(payloads)::text[], \(metadata)::text[], \(correlations)::uuid[], \(occurred)::int8[], \(recorded)::int8[])
                             AS r(position, event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at, recorded_at)
                        ORDER BY r.position
                        RETURNING position
                    )
                    SELECT setval(pg_get_serial_sequence('events', 'position'), (SELECT max(position) FROM copied))
                    """, logger: logger)
            }
        }
    }

    public func idempotencyEntries(after: IdempotencyScope?, createdSince: Timestamp, limit: Int) async throws -> [IdempotencyEntry] {
        let principal = after?.principal.uuid ?? UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        let key = after?.key ?? ""
        return try await bounded { [self] in
            let rows = try await client.query("""
                SELECT principal_id, key, request_hash, response_code, response_body::text,
                       \(unescaped: PostgresTime.micros("created_at")), \(unescaped: PostgresTime.micros("completed_at"))
                FROM idempotency_keys
                WHERE status = 'completed' AND created_at >= timestamptz 'epoch' + \(createdSince.microsecondsSinceEpoch)::int8 * interval '1 microsecond'
                  AND (principal_id, key) > (\(principal), \(key))
                ORDER BY principal_id, key LIMIT \(Int64(limit))
                """, logger: logger)
            var entries: [IdempotencyEntry] = []
            for try await (principal, key, hash, code, body, createdAt, completedAt) in rows.decode((UUID, String, String, Int32, String, Int64, Int64).self) {
                guard let json = try? JSONParser.parse(body) else { throw StoreError.corrupt("unreadable idempotency record") }
                entries.append(IdempotencyEntry(scope: IdempotencyScope(principal: PrincipalID(principal), key: key), requestHash: hash,
                                                response: StoredResponse(status: Int(code), body: json),
                                                createdAt: Timestamp(microsecondsSinceEpoch: createdAt), completedAt: Timestamp(microsecondsSinceEpoch: completedAt)))
            }
            return entries
        }
    }

    public func insertCopiedIdempotency(_ entries: [IdempotencyEntry]) async throws {
        guard !entries.isEmpty else { return }
        let principals = entries.map(\.scope.principal.uuid), keys = entries.map(\.scope.key), hashes = entries.map(\.requestHash)
        let codes = entries.map { Int32($0.response.status) }, bodies = entries.map { CanonicalJSON.string($0.response.body) }
        let created = entries.map(\.createdAt.microsecondsSinceEpoch), completed = entries.map(\.completedAt.microsecondsSinceEpoch)
        try await bounded { [self] in
            _ = try await client.query("""
                INSERT INTO idempotency_keys (principal_id, key, request_hash, status, response_code, response_body, created_at, completed_at)
                SELECT r.principal_id, r.key, r.request_hash, 'completed', r.code, r.body::jsonb,
                       timestamptz 'epoch' + r.created * interval '1 microsecond', timestamptz 'epoch' + r.completed * interval '1 microsecond'
                FROM unnest(\(principals)::uuid[], \(keys)::text[], \(hashes)::text[], \(codes)::int4[], \(bodies)::text[], \(created)::int8[], \(completed)::int8[])
                     AS r(principal_id, key, request_hash, code, body, created, completed)
                ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = 'completed',
                    response_code = excluded.response_code, response_body = excluded.response_body,
                    created_at = excluded.created_at, completed_at = excluded.completed_at
                """, logger: logger)
        }
    }
}
