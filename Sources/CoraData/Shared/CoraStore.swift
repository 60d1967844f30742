import CoraKernel
import Foundation

/// A write transaction of this module's store: the event store port plus the one port read models are
/// written through, in the same transaction as the events they follow.
public protocol DataTransaction: StoreTransaction {
    /// Executes read-model row changes (each idempotent: applying one twice is harmless).
    func apply(_ changes: [ReadModelChange]) async throws
}

/// The store the Data module needs: the event store, its transactions, and the read models' read and
/// maintenance sides.
public protocol CoraStore: EventStore, DatasetSummaryReader, DatasetGraphReader, ReadModelMaintenance, CatalogSessionStore, CatalogCopying {
    /// Runs `work` in one transaction; commits when it returns, rolls back when it throws. `work` answers
    /// its result and the events it appended; the store answers them back with the events at their final
    /// positions (a store that sends its writes at commit gives `insert` provisional ones, so the result
    /// itself must not carry positions).
    /// The store to read from for a caller who has seen `position` (read-your-writes): this one once it
    /// has applied it, or a replica that has. Throws `StoreError.unavailable` when none gets there soon.
    func reading(atLeast position: Int64) async throws -> any CoraStore
    func transaction<T: Sendable>(_ work: @escaping @Sendable (any DataTransaction) async throws -> (T, [RecordedEvent])) async throws -> (T, [RecordedEvent])
}

extension CoraStore {
    /// Waits up to two seconds for this store to apply `position`, looking every 20 ms.
    public func reading(atLeast position: Int64) async throws -> any CoraStore {
        let bound = Duration.seconds(2)
        let deadline = ContinuousClock.now + bound
        while try await headPosition() < position {
            guard ContinuousClock.now < deadline else { throw StoreError.unavailable("position \(position) not reached within \(bound)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self
    }
}

extension DataTransaction {
    /// Appends typed events and writes what every read model makes of them, in this transaction: the
    /// read models see the typed events the decider produced, never a payload decoded again.
    public func append(_ events: [DomainEvent], metadata: EventMetadata, expectedVersions: [StreamID: Int]) async throws -> [RecordedEvent] {
        let recorded = try await append(events.map(\.pending), metadata: metadata, expectedVersions: expectedVersions)
        let changes = ReadModels.changes(for: zip(events, recorded).map { AppendedEvent(event: $0, envelope: $1) })
        if !changes.isEmpty { try await apply(changes) }
        return recorded
    }
}
