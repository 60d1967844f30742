import Foundation

public enum StreamType: String, Sendable, Hashable, CaseIterable {
    case dataset = "Dataset"
    case run = "Run"
    case subject = "Subject"
}

public struct StreamID: Sendable, Hashable, CustomStringConvertible {
    public let type: StreamType
    public let id: UUID

    public init(_ type: StreamType, _ id: UUID) {
        self.type = type
        self.id = id
    }

    public var description: String { "\(type.rawValue)-\(id.lowercased)" }
}

/// An event a decider produced, before the store gives it a version and a position.
public struct PendingEvent: Sendable, Equatable {
    public let stream: StreamID
    public let eventType: String
    /// Canonical JSON; the same logical event always gives the same bytes.
    public let payload: JSONValue
    public let occurredAt: Timestamp

    public init(stream: StreamID, eventType: String, payload: JSONValue, occurredAt: Timestamp) {
        self.stream = stream
        self.eventType = eventType
        self.payload = payload
        self.occurredAt = occurredAt
    }
}

/// The envelope members that are not part of the payload (§8).
public struct EventMetadata: Sendable, Equatable {
    public static let currentSchemaVersion = 1

    public let actorID: PrincipalID
    public let correlationID: UUID
    public let causationID: UUID?
    public let schemaVersion: Int

    public init(actorID: PrincipalID, correlationID: UUID, causationID: UUID? = nil, schemaVersion: Int = EventMetadata.currentSchemaVersion) {
        self.actorID = actorID
        self.correlationID = correlationID
        self.causationID = causationID
        self.schemaVersion = schemaVersion
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "actor_id": .string(actorID.description),
            "correlation_id": .string(correlationID.lowercased),
            "schema_version": .integer(schemaVersion),
        ]
        members["causation_id"] = causationID.map { .string($0.lowercased) } ?? .null
        return .object(members)
    }

    public init?(json: JSONValue) {
        guard case .string(let actor)? = json["actor_id"], let actorID = UUID(strict: actor),
              case .string(let correlation)? = json["correlation_id"], let correlationID = UUID(strict: correlation),
              case .number(let version)? = json["schema_version"], let schemaVersion = Int(version)
        else { return nil }
        var causationID: UUID?
        if case .string(let causation)? = json["causation_id"] { causationID = UUID(strict: causation) }
        self.init(actorID: PrincipalID(actorID), correlationID: correlationID, causationID: causationID, schemaVersion: schemaVersion)
    }
}

/// An event as the store holds it.
public struct RecordedEvent: Sendable, Equatable {
    public let position: Int64
    public let eventID: UUID
    public let stream: StreamID
    public let version: Int
    public let eventType: String
    public let payload: JSONValue
    public let metadata: EventMetadata
    public let occurredAt: Timestamp
    public let recordedAt: Timestamp

    public init(position: Int64, eventID: UUID, stream: StreamID, version: Int, eventType: String, payload: JSONValue,
                metadata: EventMetadata, occurredAt: Timestamp, recordedAt: Timestamp) {
        self.position = position
        self.eventID = eventID
        self.stream = stream
        self.version = version
        self.eventType = eventType
        self.payload = payload
        self.metadata = metadata
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
    }
}

extension RecordedEvent {
    /// The same event at its final position (a staged append knew only a provisional one).
    public func finalized(at position: Int64) -> RecordedEvent {
        RecordedEvent(position: position, eventID: eventID, stream: stream, version: version, eventType: eventType, payload: payload,
                      metadata: metadata, occurredAt: occurredAt, recordedAt: recordedAt)
    }
}

/// Errors of the storage layer that a caller can act on. Anything else a store throws is a bug (500).
public enum StoreError: Error, Sendable, Equatable, ProblemReportable {
    /// Another writer appended to a stream after we loaded it; the handler re-loads and re-decides.
    case concurrencyConflict(StreamID)
    /// The database cannot be reached or timed out; transient.
    case unavailable(String)
    /// A stored row could not be read back; the database holds something this code never wrote.
    case corrupt(String)
    /// Another request committed this idempotency key after this one read it free; the command is
    /// re-run, and its read then finds that request's answer.
    case idempotencyKeyTaken
    /// A read replica saw a gap in the positions it cannot prove final (only the primary can): the
    /// feed's page is read on the primary instead.
    case notFinalOnReplica

    public var problem: Problem {
        switch self {
        case .concurrencyConflict(let stream):
            Problem(status: 409, code: "ConcurrencyConflict", detail: "\(stream.type.rawValue) \(stream.id.lowercased) was changed by another request at the same time; retry.")
        case .unavailable, .notFinalOnReplica:
            Problem(status: 503, code: "StoreUnavailable", detail: "The event store is unavailable; retry shortly.", retryAfterSeconds: 1)
        case .corrupt:
            Problem(status: 500, code: "InternalError", detail: "An internal error occurred.")
        case .idempotencyKeyTaken:
            Problem(status: 409, code: "IdempotencyKeyInFlight", detail: "A request with this Idempotency-Key is still being processed; retry shortly.",
                    retryAfterSeconds: 1)
        }
    }
}

/// The idempotency record of a finished request: enough to answer a replay byte for byte.
public struct StoredResponse: Sendable, Equatable {
    public let status: Int
    public let body: JSONValue

    public init(status: Int, body: JSONValue) {
        self.status = status
        self.body = body
    }
}

public struct IdempotencyScope: Sendable, Hashable {
    public let principal: PrincipalID
    public let key: String

    public init(principal: PrincipalID, key: String) {
        self.principal = principal
        self.key = key
    }
}

public enum IdempotencyClaim: Sendable, Equatable {
    /// No live record: this request owns the key until its transaction ends.
    case claimed
    /// The same request finished before: answer with what it answered.
    case replay(StoredResponse)
    /// The same request is still running elsewhere.
    case inFlight
    /// The key was used for a different request.
    case reused
}

/// An event exactly as it is to be stored: every member fixed, position still to be assigned.
/// `append` builds these; a copy between stores writes them as they were.
public struct NewEvent: Sendable, Equatable {
    public let eventID: UUID
    public let stream: StreamID
    public let version: Int
    public let eventType: String
    public let payload: JSONValue
    public let metadata: EventMetadata
    public let occurredAt: Timestamp
    public let recordedAt: Timestamp

    public init(eventID: UUID, stream: StreamID, version: Int, eventType: String, payload: JSONValue, metadata: EventMetadata,
                occurredAt: Timestamp, recordedAt: Timestamp) {
        self.eventID = eventID
        self.stream = stream
        self.version = version
        self.eventType = eventType
        self.payload = payload
        self.metadata = metadata
        self.occurredAt = occurredAt
        self.recordedAt = recordedAt
    }

    public func recorded(at position: Int64) -> RecordedEvent {
        RecordedEvent(position: position, eventID: eventID, stream: stream, version: version, eventType: eventType, payload: payload,
                      metadata: metadata, occurredAt: occurredAt, recordedAt: recordedAt)
    }
}

/// One unit of work against the store. Everything done through it commits or rolls back together.
public protocol StoreTransaction: Sendable {
    /// The store's clock, for `recorded_at` and idempotency ages.
    var clock: any WallClock { get }
    /// The store's source of event ids.
    var eventIDs: any IDGenerator { get }
    /// Loads every named stream in one round trip; a stream never written maps to `[]`.
    func load(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]]
    /// `claimIdempotency` and, when the scope is claimed, `load`, in one round trip where the store can.
    func claimIdempotency(_ scope: IdempotencyScope, requestHash: String, loading streams: [StreamID]) async throws
        -> (IdempotencyClaim, [StreamID: [RecordedEvent]])
    /// Stores events as given and returns their positions, in order; throws
    /// `StoreError.concurrencyConflict` when a stream already holds one of the versions. A store that
    /// sends its writes at commit answers provisional positions -1, -2, … (the n-th event inserted in
    /// this transaction), which read-model rows may carry, and gives the final ones when it commits.
    func insert(_ events: [NewEvent]) async throws -> [Int64]
    /// Claims `scope` for a request with this hash until this transaction ends, or reports what holds
    /// it. A claim writes nothing: the record is written once, by `completeIdempotency` in the same
    /// transaction, so a first attempt that fails leaves no trace. Records older than the store's
    /// retention are treated as absent. A store that takes the key only at commit answers `.claimed`
    /// for a free key and refuses the commit with `StoreError.idempotencyKeyTaken` (or answers in-flight)
    /// when another request took it meanwhile.
    func claimIdempotency(_ scope: IdempotencyScope, requestHash: String) async throws -> IdempotencyClaim
    /// Records the answer of the request that claimed `scope` in this transaction, replacing an expired record.
    func completeIdempotency(_ scope: IdempotencyScope, requestHash: String, response: StoredResponse) async throws
}

extension StoreTransaction {
    public func claimIdempotency(_ scope: IdempotencyScope, requestHash: String, loading streams: [StreamID]) async throws
        -> (IdempotencyClaim, [StreamID: [RecordedEvent]]) {
        let claim = try await claimIdempotency(scope, requestHash: requestHash)
        guard claim == .claimed else { return (claim, [:]) }
        return (claim, try await load(streams))
    }

    /// Appends events to streams whose current versions must equal `expectedVersions` (0 for a new
    /// stream): numbers them on from there, gives each an id and this moment as `recorded_at`.
    public func append(_ events: [PendingEvent], metadata: EventMetadata, expectedVersions: [StreamID: Int]) async throws -> [RecordedEvent] {
        var versions = expectedVersions
        let recordedAt = clock.now()
        let rows = events.map { event in
            let version = (versions[event.stream] ?? 0) + 1
            versions[event.stream] = version
            return NewEvent(eventID: eventIDs.next(), stream: event.stream, version: version, eventType: event.eventType, payload: event.payload,
                            metadata: metadata, occurredAt: event.occurredAt, recordedAt: recordedAt)
        }
        let positions = try await insert(rows)
        guard positions.count == rows.count else { throw StoreError.corrupt("insert returned \(positions.count) positions for \(rows.count) events") }
        return zip(rows, positions).map { $0.recorded(at: $1) }
    }
}

/// The read side of the event store port both adapters implement; writes go through a transaction
/// of the store's own kind (the module's store protocol names it).
public protocol EventStore: Sendable {
    /// Reads one stream outside any write transaction (queries).
    func readStream(_ stream: StreamID) async throws -> [RecordedEvent]
    /// Reads several streams in one round trip outside any write transaction.
    func readStreams(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]]
    /// Up to `limit` committed events after `after` in position order, of one stream type or all. A
    /// position is handed out only once no transaction still running can commit an earlier one, so a
    /// consumer following from 0 sees every event exactly once, in order.
    func readEvents(after: Int64, limit: Int, streamType: StreamType?) async throws -> [RecordedEvent]
    /// Runs until cancelled, calling `wake` soon after events may have been committed here or by another
    /// process on the same database (a wake-up only: readers re-read the log, the source of truth).
    func followCommits(_ wake: @escaping @Sendable () -> Void) async throws
    /// The highest committed position, 0 for an empty log: what a read from this store has applied.
    func headPosition() async throws -> Int64
    /// Cheap round trip for readiness.
    func ping() async throws
    func close() async throws
}

extension EventStore {
    /// Other processes on the same database commit without telling this one, so the log's last position
    /// is looked at every 100 ms: one index lookup. (A PostgreSQL NOTIFY per commit, the other way,
    /// serialises every writing transaction's commit on the notification queue's lock: it halved the
    /// store's register throughput in pgbench here.)
    public func followCommits(_ wake: @escaping @Sendable () -> Void) async throws {
        var seen: Int64?
        while true {
            let head = try await headPosition()
            // The first look wakes too: whatever was committed before watching began.
            if head != seen { wake() }
            seen = head
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// What a store found under an idempotency scope; both stores judge it with the same rule.
public struct IdempotencyRecord: Sendable {
    public let requestHash: String
    public let response: StoredResponse
    public let createdAt: Timestamp

    public init(requestHash: String, response: StoredResponse, createdAt: Timestamp) {
        self.requestHash = requestHash
        self.response = response
        self.createdAt = createdAt
    }

    /// The answer for a request with `requestHash`, or `nil` when the scope is free (no record, or one
    /// older than the retention) and the caller should claim it.
    public static func judge(_ record: IdempotencyRecord?, requestHash: String, now: Timestamp, retentionMicroseconds: Int64) -> IdempotencyClaim? {
        guard let record, record.createdAt.microsecondsSinceEpoch > now.microsecondsSinceEpoch - retentionMicroseconds else { return nil }
        guard record.requestHash == requestHash else { return .reused }
        return .replay(record.response)
    }
}
