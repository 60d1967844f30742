import SQLiteNIO

/// The one writer connection, shared by group commit: write units that arrive while a transaction is
/// committing wait together and then run one after another inside the next transaction, each in its
/// own savepoint, and are answered only after that transaction's COMMIT is durable.
///
/// Why: with `synchronous=FULL` every COMMIT is an fsync, and one writer means one fsync per request
/// would cap writes at the disk's fsync rate whatever the concurrency. Units still run strictly one at
/// a time (serializable, no conflicts); a unit that throws rolls back to its savepoint and leaves the
/// others untouched, exactly as if it had had its own transaction.
///
/// Hand-written because none of the listed packages offers a batching writer for SQLite.
actor GroupCommitWriter {
    /// Bounds how long the first unit of a batch waits for the last one's work.
    static let maximumBatch = 64

    private struct Unit: Sendable {
        /// Runs the work and returns how to answer its caller once the transaction's fate is known.
        let execute: @Sendable (SQLiteConnection) async -> Outcome
        /// Answers the caller without running the work (the transaction could not be begun or broke).
        let fail: @Sendable (any Error) -> Void
    }

    private struct Outcome: Sendable {
        let failed: Bool
        /// Called with the COMMIT's error (nil when durable); a failed unit ignores it.
        let answer: @Sendable ((any Error)?) -> Void
    }

    private let connection: SQLiteConnection
    private var pending: [Unit] = []
    private var draining = false

    init(connection: SQLiteConnection) {
        self.connection = connection
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) async throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            pending.append(Unit(execute: { connection in
                do {
                    let value = try await body(connection)
                    return Outcome(failed: false) { commitError in
                        if let commitError { continuation.resume(throwing: commitError) } else { continuation.resume(returning: value) }
                    }
                } catch {
                    return Outcome(failed: true) { _ in continuation.resume(throwing: error) }
                }
            }, fail: { continuation.resume(throwing: $0) }))
            if !draining {
                draining = true
                Task { await drain() }
            }
        }
    }

    /// Commits batches until nothing is pending; units arriving meanwhile form the next batch.
    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(Self.maximumBatch))
            pending.removeFirst(batch.count)
            await commit(batch)
        }
        draining = false
    }

    private func commit(_ batch: [Unit]) async {
        do {
            _ = try await connection.query("BEGIN IMMEDIATE")
        } catch {
            for unit in batch { unit.fail(error) }
            return
        }
        // A lone unit needs no savepoint: the transaction is its own.
        let isolated = batch.count > 1
        var outcomes: [Outcome] = []
        var broken: (any Error)?
        for unit in batch {
            if let broken {
                unit.fail(broken)
                continue
            }
            var ran: Outcome?
            do {
                if isolated { _ = try await connection.query("SAVEPOINT unit") }
                let outcome = await unit.execute(connection)
                ran = outcome
                if isolated {
                    if outcome.failed { _ = try await connection.query("ROLLBACK TO unit") }
                    _ = try await connection.query("RELEASE unit")
                }
                outcomes.append(outcome)
            } catch {
                // The savepoint machinery itself failed: nothing in this transaction can be trusted. The
                // whole transaction rolls back; every caller is still answered, none twice.
                broken = error
                if let ran { outcomes.append(ran) } else { unit.fail(error) }
            }
        }
        var commitError: (any Error)? = broken
        if broken == nil, !isolated, outcomes.first?.failed == true {
            // The lone unit failed: undo it rather than commit a half-done write.
            _ = try? await connection.query("ROLLBACK")
        } else if broken == nil {
            do { _ = try await connection.query("COMMIT") } catch { commitError = error }
        }
        if commitError != nil { _ = try? await connection.query("ROLLBACK") }
        for outcome in outcomes { outcome.answer(commitError) }
    }
}
