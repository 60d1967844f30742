import CSQLite3
import Foundation

/// The embedded ceiling: the register transaction the SQLite store runs (SQLiteTransaction and
/// SQLiteSummaryQueries, statement for statement), straight against libsqlite3 on a copy of the loaded
/// database, with prepared statements kept and no server, no event loop, no JSON work around it.
/// Same settings as the store: WAL, synchronous=FULL, one writer.
struct RawSQLiteRegister {
    let path: String

    struct Result {
        let transactions: Int
        let seconds: Double
        let latencies: [Double]
    }

    private final class Database {
        let handle: OpaquePointer
        var statements: [String: OpaquePointer] = [:]

        init(path: String) throws {
            var opened: OpaquePointer?
            guard sqlite3_open(path, &opened) == SQLITE_OK, let opened else { throw ToolFailure(description: "cannot open \(path)") }
            handle = opened
        }

        deinit {
            for statement in statements.values { sqlite3_finalize(statement) }
            sqlite3_close(handle)
        }

        func execute(_ sql: String) throws {
            guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw failure(sql) }
        }

        func failure(_ sql: String) -> ToolFailure {
            ToolFailure(description: "\(String(cString: sqlite3_errmsg(handle))): \(sql)")
        }

        /// Binds `values` (text, integer or nil) to the cached statement for `sql`, steps it to the end.
        func run(_ sql: String, _ values: [Any?]) throws {
            let statement: OpaquePointer
            if let cached = statements[sql] {
                statement = cached
            } else {
                var prepared: OpaquePointer?
                guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &prepared, nil) == SQLITE_OK, let prepared else { throw failure(sql) }
                statements[sql] = prepared
                statement = prepared
            }
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            for (index, value) in values.enumerated() {
                let position = Int32(index + 1)
                switch value {
                case let text as String: sqlite3_bind_text(statement, position, text, -1, transient)
                case let number as Int: sqlite3_bind_int64(statement, position, Int64(number))
                default: sqlite3_bind_null(statement, position)
                }
            }
            var result = sqlite3_step(statement)
            while result == SQLITE_ROW {
                // Read what the store reads, so the row work is the same.
                for column in 0..<sqlite3_column_count(statement) { _ = sqlite3_column_text(statement, column) }
                result = sqlite3_step(statement)
            }
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            guard result == SQLITE_DONE else { throw failure(sql) }
        }
    }

    func run(seconds: Double) throws -> Result {
        let database = try Database(path: path)
        try database.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
        var generator = SystemRandomNumberGenerator()
        var latencies: [Double] = []
        let start = Date()
        let deadline = start.addingTimeInterval(seconds)
        var number = 0
        while Date() < deadline {
            number += 1
            let began = Date()
            try registerOnce(database, number: number, using: &generator)
            latencies.append(Date().timeIntervalSince(began))
        }
        return Result(transactions: latencies.count, seconds: Date().timeIntervalSince(start), latencies: latencies)
    }

    private func registerOnce(_ database: Database, number: Int, using generator: inout SystemRandomNumberGenerator) throws {
        let datasetID = UUID().uuidString.lowercased()
        let key = "raw-\(datasetID)"
        let now = Int(Date().timeIntervalSince1970 * 1_000_000)
        let body = Workload.registrationBody(tag: "raw-\(number)", using: &generator)
        // The stored payload is the registration plus the members the decider adds; same size as the service's.
        let payload = String(body.dropLast()) + ",\"dataset_id\":\"\(datasetID)\",\"derived_from\":[],\"intent\":\"Trial\",\"occurred_at\":\"2026-11-25T21:03:20.943248Z\",\"producing_run_end_state\":null,\"producing_run_id\":null,\"subject_id\":null}"
        let calibrations = (1...Int.random(in: 1...3, using: &generator)).map { _ in Workload.calibrationID(Int.random(in: 1...Workload.calibrationPool, using: &generator)) }
        let distinct = Array(Set(calibrations))
        let metadata = "{\"actor_id\":\"\(Workload.principal)\",\"causation_id\":null,\"correlation_id\":\"\(UUID().uuidString.lowercased())\",\"schema_version\":1}"

        try database.run("BEGIN IMMEDIATE", [])
        try database.run("SELECT request_hash, response_code, response_body, created_at FROM idempotency_keys WHERE principal_id = ? AND key = ?",
                         [Workload.principal, key])
        try database.run("""
            SELECT position, event_id, stream_type, stream_id, version, event_type, payload, metadata, occurred_at, recorded_at FROM events \
            WHERE stream_type = ? AND stream_id IN (?) ORDER BY position
            """, ["Dataset", datasetID])
        try database.run("""
            INSERT INTO events (event_id, stream_type, stream_id, version, event_type, payload, metadata, correlation_id, occurred_at, recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING position
            """, [UUID().uuidString.lowercased(), "Dataset", datasetID, 1, "DatasetRegistered", payload, metadata, UUID().uuidString.lowercased(), now, now])
        try database.run("""
            INSERT INTO proj_data_dataset_summary (dataset_id, name, uri, producing_run_id, subject_id, status, used_calibrations, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (dataset_id) DO UPDATE SET name = excluded.name, uri = excluded.uri, producing_run_id = excluded.producing_run_id,
                subject_id = excluded.subject_id, status = excluded.status, used_calibrations = excluded.used_calibrations,
                created_at = excluded.created_at, updated_at = excluded.updated_at
            """, [datasetID, "dataset raw-\(number)", "s3://lab-raw-data/projects/beamline-7/2026/session-raw-\(number)/scan-0001.h5", nil, nil,
                  "Registered", "[" + distinct.map { "\"\($0)\"" }.joined(separator: ",") + "]", now, now])
        try database.run("INSERT INTO proj_data_dataset_states (dataset_id, position, recorded_at, status, intent) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                         [datasetID, number, now, "Registered", "Trial"])
        for calibration in distinct.sorted() {
            try database.run("""
                INSERT INTO proj_data_calibration_citations (calibration_id, created_at, dataset_id, position, recorded_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """, [calibration, now, datasetID, number, now])
        }
        try database.run("""
            INSERT INTO idempotency_keys (principal_id, key, request_hash, status, response_code, response_body, created_at, completed_at)
            VALUES (?, ?, ?, 'completed', ?, ?, ?, ?)
            ON CONFLICT (principal_id, key) DO UPDATE SET request_hash = excluded.request_hash, status = 'completed',
                response_code = excluded.response_code, response_body = excluded.response_body,
                created_at = excluded.created_at, completed_at = excluded.completed_at
            """, [Workload.principal, key, String(repeating: "ab", count: 32), 201, "{\"dataset_id\":\"\(datasetID)\"}", now, now])
        try database.run("COMMIT", [])
    }
}
