import Logging
import PostgresNIO

/// A statement whose text never changes, only its values: the hot path's statements. Its `sql` is the
/// text the store's own `PostgresQuery` builder produces (placeholders do not depend on the values), so
/// the statement is written once and prepared from that.
protocol FixedShapeStatement {
    static var sql: String { get }
    /// The builder's query for values other than those `sql` was built from; its text must be `sql`
    /// (a test checks every statement: a placeholder that depended on a value would prepare wrong SQL).
    static var otherValues: PostgresQuery { get }
    /// The statement's name on the connection: short and distinct, since PostgreSQL truncates names to
    /// 63 bytes (a type's full generic name made every statement share one truncated name). A stored
    /// constant because postgres-nio asks for it on every execution.
    static var name: String { get }
}

/// Runs a fixed-shape query as a prepared statement: postgres-nio prepares it once per connection, so
/// PostgreSQL parses and plans it once instead of on every call (measured: ~3x the get throughput and
/// ~1.8x the register throughput of unnamed statements in pgbench on this machine).
private struct PreparedQuery<Shape: FixedShapeStatement>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    static var sql: String { Shape.sql }
    static var name: String { Shape.name }
    let query: PostgresQuery

    func makeBindings() throws -> PostgresBindings { query.binds }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}

extension PostgresConnection {
    /// `query` must be built by the same builder as `Shape.sql`.
    func prepared<Shape: FixedShapeStatement>(
        _ shape: Shape.Type, _ query: PostgresQuery, logger: Logger
    ) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow> {
        try await execute(PreparedQuery<Shape>(query: query), logger: logger)
    }

    /// A fixed-shape statement that returns no rows.
    func preparedCommand<Shape: FixedShapeStatement>(_ shape: Shape.Type, _ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await prepared(shape, query, logger: logger) {}
    }
}

extension PostgresStore {
    /// Every fixed-shape statement: its name, its prepared text, and the builder's text for other values.
    public static var fixedShapeStatements: [(name: String, sql: String, otherValues: String)] {
        let shapes: [any FixedShapeStatement.Type] = [
            PostgresEventRows.self, SelectIdempotency.self, SelectIdempotencyAndStreams.self, CommitCommand.self,
            PostgresGraphSnapshot.LatestPosition.self, PostgresGraphSnapshot.GraphLayerQuery.self, PostgresGraphSnapshot.CitingQuery.self,
        ]
        return shapes.map { ($0.name, $0.sql, $0.otherValues.sql) }
    }
}
