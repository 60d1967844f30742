import CoraData
import CoraKernel
import Foundation
import Logging
import Synchronization

/// Read replicas of the primary store (PostgreSQL streaming replication) and what is known of them: the
/// head each has applied, looked at every `interval` beside the primary's, and which are paused after
/// failing a read. A replica serves reads while it keeps up: its head must have reached what the
/// primary's head was `maximumLag` ago.
public final class ReadReplicas: Sendable {
    public struct Replica: Sendable {
        /// How logs name it: host, port and database, never credentials.
        public let name: String
        public let store: any CoraStore

        public init(name: String, store: any CoraStore) {
            self.name = name
            self.store = store
        }
    }

    private struct State {
        /// The primary's head as seen at each look, newest last, kept for `maximumLag` and a little more.
        var primaryHeads: [(at: ContinuousClock.Instant, head: Int64)] = []
        var heads: [Int64?]
        var pausedUntil: [ContinuousClock.Instant?]
        var next = 0
    }

    let primary: any CoraStore
    let replicas: [Replica]
    let maximumLag: Duration
    /// How long a replica that failed a read is left alone before it is looked at again.
    let pause: Duration
    let interval: Duration
    let logger: Logger
    private let state: Mutex<State>

    public init(primary: any CoraStore, replicas: [Replica], maximumLag: Duration = .seconds(2), pause: Duration = .seconds(5),
                interval: Duration = .milliseconds(250), logger: Logger = Logger(label: "cora.replicas")) {
        self.primary = primary
        self.replicas = replicas
        self.maximumLag = maximumLag
        self.pause = pause
        self.interval = interval
        self.logger = logger
        state = Mutex(State(heads: replicas.map { _ in nil }, pausedUntil: replicas.map { _ in nil }))
    }

    /// Looks at every head each `interval` until cancelled; until the first look no replica is used.
    public func watch() async throws {
        while true {
            await look()
            try await Task.sleep(for: interval)
        }
    }

    /// One look at the primary's head and every replica's (a failing replica is paused).
    func look() async {
        let primaryHead = try? await primary.headPosition()
        let heads = await withTaskGroup(of: (Int, Int64?).self) { group in
            for (index, replica) in replicas.enumerated() {
                group.addTask { (index, try? await replica.store.headPosition()) }
            }
            return await group.reduce(into: [Int: Int64?]()) { $0[$1.0] = $1.1 }
        }
        let now = ContinuousClock.now
        let changed = state.withLock { state -> [(Int, Bool)] in
            if let primaryHead {
                state.primaryHeads.append((now, primaryHead))
                // Keep the newest sample at least `maximumLag` old, and everything after it.
                if let keep = state.primaryHeads.lastIndex(where: { now - $0.at >= maximumLag }) { state.primaryHeads.removeFirst(keep) }
            }
            var changed: [(Int, Bool)] = []
            for (index, head) in heads {
                if (state.heads[index] == nil) != (head == nil) { changed.append((index, head != nil)) }
                state.heads[index] = head
            }
            return changed
        }
        for (index, reachable) in changed {
            if reachable {
                logger.info("read replica reachable", metadata: ["replica": "\(replicas[index].name)"])
            } else {
                logger.warning("read replica unreachable; reads go to the others or the primary", metadata: ["replica": "\(replicas[index].name)"])
            }
        }
    }

    /// The heads every replica had applied at the last look (nil: unknown or unreachable).
    var appliedHeads: [Int64?] { state.withLock { $0.heads } }

    /// A replica to read from, taken in turn among those that keep up, are not paused, have applied
    /// `floor` and are not in `excluded`; nil when none is.
    func choose(atLeast floor: Int64?, excluding excluded: Set<Int>) -> Int? {
        let now = ContinuousClock.now
        return state.withLock { state in
            // What the primary had `maximumLag` ago; without such a sample, the oldest one.
            let needed = state.primaryHeads.last(where: { now - $0.at >= maximumLag })?.head ?? state.primaryHeads.first?.head
            guard let needed else { return nil }
            for offset in 0..<replicas.count {
                let index = (state.next + offset) % replicas.count
                guard !excluded.contains(index), let head = state.heads[index], head >= needed, head >= (floor ?? 0),
                      state.pausedUntil[index].map({ $0 <= now }) ?? true
                else { continue }
                state.next = index + 1
                return index
            }
            return nil
        }
    }

    func pause(_ index: Int, because error: any Error) {
        state.withLock { $0.pausedUntil[index] = ContinuousClock.now + pause }
        logger.warning("read replica failed a read; paused, the read goes elsewhere",
                       metadata: ["replica": "\(replicas[index].name)", "error": "\(type(of: error))"])
    }

    /// `body` on a replica that qualifies, then on the next, and on the primary when none is left: a
    /// replica that fails costs a retry, never a failed read.
    func read<T: Sendable>(atLeast floor: Int64?, _ body: (any CoraStore) async throws -> T) async throws -> T {
        var tried = Set<Int>()
        while let index = choose(atLeast: floor, excluding: tried) {
            do {
                return try await body(replicas[index].store)
            } catch StoreError.notFinalOnReplica {
                break
            } catch {
                pause(index, because: error)
                tried.insert(index)
            }
        }
        return try await body(primary)
    }

    /// Waits up to `bound` for a replica to apply `position`, looking at the heads again every 20 ms.
    func awaitReplica(atLeast position: Int64, within bound: Duration) async {
        let deadline = ContinuousClock.now + bound
        while choose(atLeast: position, excluding: []) == nil, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
            await look()
        }
    }
}

/// The store a server with read replicas runs on: every command, and everything a command or an
/// operator needs exact, on the primary; GET, history, list, lineage, exports and the change feed on a
/// replica that keeps up (and has applied `floor`, for a read that asked for its own writes).
public struct ReplicatedStore: CoraStore {
    let replicas: ReadReplicas
    let floor: Int64?

    public init(_ replicas: ReadReplicas) {
        self.replicas = replicas
        floor = nil
    }

    init(_ replicas: ReadReplicas, floor: Int64) {
        self.replicas = replicas
        self.floor = floor
    }

    var primary: any CoraStore { replicas.primary }

    /// A replica that has applied `position` within a short wait, else the primary, which wrote it (or
    /// waits for it as a single store does).
    public func reading(atLeast position: Int64) async throws -> any CoraStore {
        await replicas.awaitReplica(atLeast: position, within: .milliseconds(250))
        if replicas.choose(atLeast: position, excluding: []) == nil { _ = try await primary.reading(atLeast: position) }
        return ReplicatedStore(replicas, floor: position)
    }

    // MARK: Reads, on a replica

    public func readStream(_ stream: StreamID) async throws -> [RecordedEvent] {
        try await replicas.read(atLeast: floor) { try await $0.readStream(stream) }
    }

    public func readStreams(_ streams: [StreamID]) async throws -> [StreamID: [RecordedEvent]] {
        try await replicas.read(atLeast: floor) { try await $0.readStreams(streams) }
    }

    public func readEvents(after: Int64, limit: Int, streamType: StreamType?) async throws -> [RecordedEvent] {
        try await replicas.read(atLeast: floor) { try await $0.readEvents(after: after, limit: limit, streamType: streamType) }
    }

    public func listDatasets(_ filter: DatasetListFilter, after: DatasetListPosition?, limit: Int) async throws -> [DatasetSummaryRow] {
        try await replicas.read(atLeast: floor) { try await $0.listDatasets(filter, after: after, limit: limit) }
    }

    public func readGraph<T: Sendable>(_ body: @escaping @Sendable (any DatasetGraphSnapshot) async throws -> T) async throws -> T {
        try await replicas.read(atLeast: floor) { try await $0.readGraph(body) }
    }

    /// The primary's notifications, and a wake whenever a replica's head moves: a follower reading from a
    /// replica that had not yet applied what woke it is woken again once it has.
    public func followCommits(_ wake: @escaping @Sendable () -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await primary.followCommits(wake) }
            group.addTask { [replicas] in
                var seen = replicas.appliedHeads
                while true {
                    try await Task.sleep(for: replicas.interval)
                    let heads = replicas.appliedHeads
                    if heads != seen { wake() }
                    seen = heads
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    // MARK: Everything else, on the primary

    public func transaction<T: Sendable>(_ work: @escaping @Sendable (any DataTransaction) async throws -> (T, [RecordedEvent])) async throws -> (T, [RecordedEvent]) {
        try await primary.transaction(work)
    }
    public func headPosition() async throws -> Int64 { try await primary.headPosition() }
    public func ping() async throws { try await primary.ping() }
    public func close() async throws {
        for replica in replicas.replicas { try? await replica.store.close() }
        try await primary.close()
    }
    public func datasetStreamIDs(after: UUID?, limit: Int) async throws -> [UUID] { try await primary.datasetStreamIDs(after: after, limit: limit) }
    public func readModelRows(_ ids: [UUID]) async throws -> [UUID: DatasetReadModelRows] { try await primary.readModelRows(ids) }
    public func replaceReadModelRows(_ rows: [DatasetReadModelRows]) async throws { try await primary.replaceReadModelRows(rows) }
    public func deleteReadModelRowsWithoutEvents() async throws -> Int { try await primary.deleteReadModelRowsWithoutEvents() }
    public func catalogSecrets() async throws -> CatalogSecrets { try await primary.catalogSecrets() }
    public func addLoginLink(tokenHash: [UInt8], principal: PrincipalID, expiresAt: Timestamp) async throws {
        try await primary.addLoginLink(tokenHash: tokenHash, principal: principal, expiresAt: expiresAt)
    }
    public func useLoginLink(tokenHash: [UInt8], now: Timestamp) async throws -> PrincipalID? { try await primary.useLoginLink(tokenHash: tokenHash, now: now) }
    public func holdings() async throws -> StoreHoldings { try await primary.holdings() }
    public func insertCopiedEvents(_ events: [RecordedEvent]) async throws { try await primary.insertCopiedEvents(events) }
    public func idempotencyEntries(after: IdempotencyScope?, createdSince: Timestamp, limit: Int) async throws -> [IdempotencyEntry] {
        try await primary.idempotencyEntries(after: after, createdSince: createdSince, limit: limit)
    }
    public func insertCopiedIdempotency(_ entries: [IdempotencyEntry]) async throws { try await primary.insertCopiedIdempotency(entries) }
}
