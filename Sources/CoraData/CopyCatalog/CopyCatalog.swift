import CoraKernel
import Foundation

/// An idempotency record as a store holds it, for moving it to another store.
public struct IdempotencyEntry: Sendable, Equatable {
    public let scope: IdempotencyScope
    public let requestHash: String
    public let response: StoredResponse
    public let createdAt: Timestamp
    public let completedAt: Timestamp

    public init(scope: IdempotencyScope, requestHash: String, response: StoredResponse, createdAt: Timestamp, completedAt: Timestamp) {
        self.scope = scope
        self.requestHash = requestHash
        self.response = response
        self.createdAt = createdAt
        self.completedAt = completedAt
    }
}

/// How much a store holds, as a copy sees it.
public struct StoreHoldings: Sendable, Equatable {
    public let events: Int
    public let lastPosition: Int64
    public let idempotencyRecords: Int

    public init(events: Int, lastPosition: Int64, idempotencyRecords: Int) {
        self.events = events
        self.lastPosition = lastPosition
        self.idempotencyRecords = idempotencyRecords
    }

    public var isEmpty: Bool { events == 0 && idempotencyRecords == 0 }
}

/// What moving a catalog between stores needs of each store, beyond reading the change feed.
public protocol CatalogCopying: Sendable {
    func holdings() async throws -> StoreHoldings
    /// Stores events exactly as another store recorded them, positions included, in one transaction;
    /// new events appended later number on from the highest.
    func insertCopiedEvents(_ events: [RecordedEvent]) async throws
    /// Completed records created at or after `createdSince`, in (principal, key) order after `after`.
    func idempotencyEntries(after: IdempotencyScope?, createdSince: Timestamp, limit: Int) async throws -> [IdempotencyEntry]
    /// Stores records as given, replacing any under the same scope (a resumed copy writes some again).
    func insertCopiedIdempotency(_ entries: [IdempotencyEntry]) async throws
}

public struct CopyReport: Sendable, Equatable {
    public enum Phase: Sendable, Equatable {
        case events, idempotencyKeys, readModels, done
    }

    public var phase = Phase.events
    public var eventsCopied = 0
    /// Events the target already held from an interrupted copy, when resuming.
    public var eventsAlreadyThere = 0
    public var lastPosition: Int64 = 0
    public var sourceLastPosition: Int64 = 0
    public var idempotencyRecordsCopied = 0
    public var readModels = RebuildReport()

    public init() {}
}

public enum CopyRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    case targetNotEmpty(StoreHoldings)
    case targetIsNotAPrefix(position: Int64)

    public var description: String {
        switch self {
        case .targetNotEmpty(let holdings):
            "the target is not empty (\(holdings.events) events, \(holdings.idempotencyRecords) idempotency records): copy into an empty database, "
                + "or pass --resume to finish a copy from this same source that was interrupted"
        case .targetIsNotAPrefix(let position):
            "the target holds events the source does not (they differ at position \(position)): it is not an interrupted copy of this source"
        }
    }
}

/// Moves a whole catalog to another store: every event as it was recorded (ids, streams, versions,
/// payloads, metadata, both timestamps, positions), every idempotency key still within the retention,
/// then the target's read models rebuilt from those events. Events are read through the change feed, so
/// a source still being written to is copied up to a consistent point. Each batch is one transaction on
/// the target: an interrupted copy leaves a prefix of the source there, which `resume` completes.
public struct CopyCatalog: Sendable {
    let source: any CoraStore
    let target: any CoraStore
    let batchSize: Int
    let resume: Bool
    let keysCreatedSince: Timestamp

    public init(from source: any CoraStore, to target: any CoraStore, batchSize: Int = 5000, resume: Bool = false, keysCreatedSince: Timestamp) {
        self.source = source
        self.target = target
        self.batchSize = batchSize
        self.resume = resume
        self.keysCreatedSince = keysCreatedSince
    }

    public func run(progress: @Sendable (CopyReport) -> Void = { _ in }) async throws -> CopyReport {
        var report = CopyReport()
        let held = try await target.holdings()
        var after: Int64 = 0
        if !held.isEmpty {
            guard resume else { throw CopyRefusal.targetNotEmpty(held) }
            if held.events > 0 {
                let ours = try await target.readEvents(after: held.lastPosition - 1, limit: 1, streamType: nil)
                let theirs = try await source.readEvents(after: held.lastPosition - 1, limit: 1, streamType: nil)
                guard let ours = ours.first, ours == theirs.first else { throw CopyRefusal.targetIsNotAPrefix(position: held.lastPosition) }
            }
            after = held.lastPosition
            report.eventsAlreadyThere = held.events
        }
        report.sourceLastPosition = try await source.holdings().lastPosition
        // The next batch is read from the source while this one is written to the target.
        var events = try await source.readEvents(after: after, limit: batchSize, streamType: nil)
        while let last = events.last {
            async let following = source.readEvents(after: last.position, limit: batchSize, streamType: nil)
            try await target.insertCopiedEvents(events)
            after = last.position
            report.eventsCopied += events.count
            report.lastPosition = after
            report.sourceLastPosition = max(report.sourceLastPosition, after)
            progress(report)
            events = try await following
        }
        report.phase = .idempotencyKeys
        progress(report)
        var scope: IdempotencyScope?
        while true {
            let entries = try await source.idempotencyEntries(after: scope, createdSince: keysCreatedSince, limit: batchSize)
            guard let last = entries.last else { break }
            try await target.insertCopiedIdempotency(entries)
            scope = last.scope
            report.idempotencyRecordsCopied += entries.count
            progress(report)
        }
        report.phase = .readModels
        progress(report)
        report.readModels = try await RebuildReadModels(store: target).run { [report] rebuilt in
            var now = report
            now.readModels = rebuilt
            progress(now)
        }
        report.phase = .done
        return report
    }
}
