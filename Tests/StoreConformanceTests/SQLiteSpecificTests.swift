import CoraData
import CoraKernel
import CoraStoreSQLite
import CoraTestSupport
import Foundation
import SQLiteNIO
import Testing

@Suite("SQLite store specifics")
struct SQLiteSpecificTests {
    @Test func databaseIsInWALModeAndEventsAreAppendOnly() async throws {
        let database = try TemporarySQLite()
        defer { database.cleanup() }
        let store = try await database.open()
        let id = try await ServiceDependencies(store: store).register()
        try await store.close()
        let raw = try await SQLiteConnection.open(storage: .file(path: database.path))
        #expect(try await raw.query("PRAGMA journal_mode").first?.column("journal_mode")?.string == "wal")
        let stored = try await raw.query("SELECT payload FROM events WHERE stream_id = ?", [.text(id.lowercased)]).first?.column("payload")?.string
        let reparsed = try JSONParser.parse(try #require(stored))
        #expect(CanonicalJSON.string(reparsed) == stored, "stored payloads are canonical text")
        await #expect(throws: (any Error).self) { _ = try await raw.query("UPDATE events SET event_type = 'x'") }
        await #expect(throws: (any Error).self) { _ = try await raw.query("DELETE FROM events") }
        try await raw.close()
    }

    /// Concurrent writes share transactions (group commit); each must still be atomic on its own.
    @Test func concurrentWritesThatFailLeaveNothingAndDoNotTakeOthersWithThem() async throws {
        struct Refused: Error {}
        let database = try TemporarySQLite()
        defer { database.cleanup() }
        let store = try await database.open()
        let metadata = EventMetadata(actorID: Fixtures.principal, correlationID: UUID())
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<60 {
                group.addTask {
                    let stream = StreamID(.run, UUID())
                    do {
                        try await store.inTransaction { transaction in
                            _ = try await transaction.append([PendingEvent(stream: stream, eventType: "RunStarted", payload: ["n": .integer(n)],
                                                                           occurredAt: Timestamp(microsecondsSinceEpoch: 1))],
                                                             metadata: metadata, expectedVersions: [stream: 0])
                            if n % 3 == 0 { throw Refused() }
                        }
                        return (n, true)
                    } catch is Refused {
                        return (n, false)
                    }
                }
            }
            return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        try await store.close()
        #expect(outcomes.count == 60)
        #expect(outcomes.filter(\.value).keys.sorted() == (0..<60).filter { $0 % 3 != 0 })
        let raw = try await SQLiteConnection.open(storage: .file(path: database.path))
        let stored = try await raw.query("SELECT payload FROM events ORDER BY position").compactMap { $0.column("payload")?.string }
        try await raw.close()
        let numbers = stored.compactMap { try? JSONParser.parse($0)["n"] }.compactMap { value -> Int? in
            if case .number(let literal) = value { return Int(literal) } else { return nil }
        }
        #expect(numbers.sorted() == (0..<60).filter { $0 % 3 != 0 }, "a refused write left an event, or an accepted one lost it")
    }

    @Test func theCalibrationFilterIsServedByAnIndexNotAScan() async throws {
        let database = try TemporarySQLite()
        defer { database.cleanup() }
        let store = try await database.open()
        let calibrations = [SequentialIDs.id(1), SequentialIDs.id(2)]
        let after = DatasetListPosition(createdAt: Timestamp(microsecondsSinceEpoch: 5), datasetID: SequentialIDs.id(3))
        for filter in [DatasetListFilter(usedCalibrations: [calibrations[0]]), DatasetListFilter(status: .registered, usedCalibrations: calibrations)] {
            let plan = try await store.explainList(filter, after: after, limit: 51)
            #expect(plan.contains { $0.contains("SEARCH c USING PRIMARY KEY (calibration_id=? AND created_at>?)") || $0.contains("SEARCH c USING PRIMARY KEY (calibration_id=?") }, "\(plan)")
            #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "no sort: \(plan)")
        }
        let unfiltered = try await store.explainList(DatasetListFilter(), after: after, limit: 51)
        #expect(unfiltered.contains { $0.contains("proj_data_dataset_summary_keyset_idx") }, "\(unfiltered)")
        #expect(!unfiltered.contains { $0.contains("TEMP B-TREE") }, "\(unfiltered)")
        try await store.close()
    }
}
