import CoraKernel
import Foundation

/// What every handler is given; one value, built once by the composition root. Tests replace the
/// clock and the id generator, nothing else.
public struct ServiceDependencies: Sendable {
    public let store: any CoraStore
    public let clock: any WallClock
    public let ids: any IDGenerator
    /// Told about every event appended, after commit (metrics).
    public let onAppended: @Sendable ([RecordedEvent]) -> Void
    /// Optimistic-concurrency retries before a conflict is reported.
    public let conflictRetries: Int

    public init(store: any CoraStore, clock: any WallClock = SystemClock(), ids: any IDGenerator = UUIDv7Generator(),
                onAppended: @escaping @Sendable ([RecordedEvent]) -> Void = { _ in }, conflictRetries: Int = 5) {
        self.store = store
        self.clock = clock
        self.ids = ids
        self.onAppended = onAppended
        self.conflictRetries = conflictRetries
    }

    /// The same dependencies, also telling `observe` about every event appended through them.
    public func observing(_ observe: @escaping @Sendable ([RecordedEvent]) -> Void) -> ServiceDependencies {
        let told = onAppended
        return ServiceDependencies(store: store, clock: clock, ids: ids, onAppended: { told($0); observe($0) }, conflictRetries: conflictRetries)
    }

    /// Read-your-writes: the same dependencies on a store that has applied `position` (see
    /// `CoraStore.reading(atLeast:)`).
    public func reading(atLeast position: Int64) async throws -> ServiceDependencies {
        ServiceDependencies(store: try await store.reading(atLeast: position), clock: clock, ids: ids, onAppended: onAppended, conflictRetries: conflictRetries)
    }

    func metadata(_ caller: CallContext) -> EventMetadata {
        EventMetadata(actorID: caller.principal, correlationID: caller.correlationID)
    }

    /// Runs load → decide → append in one transaction, re-running it when another writer got to a
    /// stream first, so racing commands give one event and one clear refusal, never two events.
    func write<T: Sendable>(_ work: @escaping @Sendable (any DataTransaction) async throws -> (T, [RecordedEvent])) async throws -> T {
        var attempt = 0
        while true {
            do {
                let (result, appended) = try await store.transaction(work)
                onAppended(appended)
                return result
            } catch let error as StoreError where error.isRaceLost && attempt < conflictRetries {
                attempt += 1
            }
        }
    }

    /// A command that may carry an idempotency key: claims the key and loads `streams` (one round trip
    /// where the store can), runs `work` on what was loaded, stores its response, all in one
    /// transaction; a replay returns the stored response and appends nothing.
    func idempotentWrite(
        _ operation: OperationName, key: IdempotencyKey?, command: JSONValue, caller: CallContext, loading streams: [StreamID],
        _ work: @escaping @Sendable (any DataTransaction, [StreamID: [RecordedEvent]]) async throws -> (StoredResponse, [RecordedEvent])
    ) async throws -> (StoredResponse, replayed: Bool) {
        guard let key else {
            return (try await write { transaction in try await work(transaction, try await transaction.load(streams)) }, false)
        }
        let scope = IdempotencyScope(principal: caller.principal, key: key.value)
        let hash = requestHash(operation, command)
        return try await write { transaction in
            let (claim, loaded) = try await transaction.claimIdempotency(scope, requestHash: hash, loading: streams)
            switch claim {
            case .replay(let stored): return ((stored, true), [])
            case .inFlight: throw IdempotencyError.inFlight
            case .reused: throw IdempotencyError.reused
            case .claimed:
                let (response, appended) = try await work(transaction, loaded)
                try await transaction.completeIdempotency(scope, requestHash: hash, response: response)
                return ((response, false), appended)
            }
        }
    }
}

extension StoreError {
    /// Another writer got in first: re-running the command re-reads and decides again.
    var isRaceLost: Bool {
        switch self {
        case .concurrencyConflict, .idempotencyKeyTaken: true
        case .unavailable, .corrupt, .notFinalOnReplica: false
        }
    }
}
