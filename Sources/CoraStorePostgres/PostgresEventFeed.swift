import CoraKernel
import Foundation
import Logging
import PostgresNIO

/// The change feed on PostgreSQL. Positions come from a sequence before commit, so a later position can
/// be visible while an earlier one is still in flight; handing out the later one would skip the earlier
/// forever. The feed hands out only what is final:
///
/// Every writer has its transaction id before it takes a position (`cora_commit`). A read sees the rows
/// committed before it; when the positions it sees have no hole, they are final. When they have one, a
/// hole at g below the highest position p seen belongs to a transaction that took g before p committed,
/// hence before the read, and had its id by then: it has aborted (a hole for good) or is still running.
/// The feed then takes a transaction id N of its own and commits it: N is above every id assigned before
/// the read. A second read whose snapshot's xmin is at least N runs when every transaction below N has
/// ended, so what it sees up to p is all that will ever be there. Otherwise the feed hands out only the
/// positions below the first hole. (A snapshot's list of running ids is not enough on its own: ids at
/// or above its xmax may be running without being listed.)
enum PostgresEventFeed {
    static func read(after: Int64, limit: Int, streamType: StreamType?, decidesGaps: Bool, on connection: PostgresConnection,
                     logger: Logger) async throws -> [RecordedEvent] {
        let typeFilter = streamType.map(\.rawValue)
        var firstRead: [RecordedEvent] = []
        let rows = try await connection.query("""
            SELECT \(unescaped: PostgresEventRows.columns) FROM events e
            WHERE e.position > \(after) AND (\(typeFilter)::text IS NULL OR e.stream_type = \(typeFilter))
            ORDER BY e.position LIMIT \(Int64(limit))
            """, logger: logger)
        for try await row in rows { firstRead.append(try PostgresEventRows.decode(row.makeRandomAccess(), from: 0)) }
        guard let highest = firstRead.last?.position,
              let firstHole = try await firstHole(after: after, upTo: highest, in: firstRead, filtered: streamType != nil, on: connection, logger: logger)
        else { return firstRead }
        guard decidesGaps else { throw StoreError.notFinalOnReplica }

        var horizon: Int64 = 0
        for try await id in try await connection.query("SELECT pg_current_xact_id()::text::int8", logger: logger).decode(Int64.self) { horizon = id }
        var secondRead: [RecordedEvent] = []
        let again = try await connection.query("""
            SELECT \(unescaped: PostgresEventRows.columns) FROM events e
            WHERE e.position > \(after) AND e.position <= \(highest) AND (\(typeFilter)::text IS NULL OR e.stream_type = \(typeFilter))
              AND pg_snapshot_xmin(pg_current_snapshot())::text::int8 >= \(horizon)
            ORDER BY e.position
            """, logger: logger)
        for try await row in again { secondRead.append(try PostgresEventRows.decode(row.makeRandomAccess(), from: 0)) }
        return secondRead.isEmpty ? firstRead.filter { $0.position < firstHole } : secondRead
    }

    /// The lowest position in (after, upTo] with no visible row, or nil when there is none. Unfiltered, the
    /// rows read say it; filtered, the positions of every stream type are looked at.
    private static func firstHole(after: Int64, upTo highest: Int64, in rows: [RecordedEvent], filtered: Bool,
                                  on connection: PostgresConnection, logger: Logger) async throws -> Int64? {
        guard filtered else {
            return zip(rows, (after + 1)...).first { $0.position != $1 }?.1
        }
        var hole: Int64?
        let holes = try await connection.query("""
            SELECT min(g.previous + 1) FROM (
                SELECT position, lag(position, 1, \(after)) OVER (ORDER BY position) AS previous
                FROM events WHERE position > \(after) AND position <= \(highest)
            ) g WHERE g.position > g.previous + 1
            """, logger: logger)
        for try await found in holes.decode(Int64?.self) { hole = found }
        return hole
    }
}
