import CoraKernel
import Foundation
import Synchronization

/// The processes' live followers of the change feed (Server-Sent Events): at most `limit` at once, each
/// woken when the store says events may have been committed and every `keepAliveInterval`, so that a
/// follower re-reads the log and an idle connection still carries something.
public final class EventFeedFollowers: Sendable {
    public enum Wakeup: Sendable, Equatable {
        case committed
        case keepAlive
    }

    public struct Full: Error, Sendable, Equatable, ProblemReportable {
        public let limit: Int
        public var problem: Problem {
            Problem(status: 503, code: "TooManyStreams",
                    detail: "This server already serves \(limit) event streams; retry later, or page through GET /events.", retryAfterSeconds: 5)
        }
    }

    /// One follower's wake-ups; `end()` (or the stream's end) frees its place.
    public struct Following: Sendable {
        public let wakeups: AsyncStream<Wakeup>
        public let end: @Sendable () -> Void
    }

    private struct State {
        var followers: [UInt64: AsyncStream<Wakeup>.Continuation] = [:]
        var nextID: UInt64 = 0
        var watching: Task<Void, Never>?
    }

    public let limit: Int
    public let keepAliveInterval: Duration
    private let store: any EventStore
    private let state = Mutex(State())

    public init(store: any EventStore, limit: Int = 100, keepAliveInterval: Duration = .seconds(15)) {
        self.store = store
        self.limit = limit
        self.keepAliveInterval = keepAliveInterval
    }

    deinit {
        state.withLock { $0.watching?.cancel() }
    }

    /// A new follower's wake-ups, or `Full` when `limit` are already following.
    public func follow() throws(Full) -> Following {
        let (stream, continuation) = AsyncStream<Wakeup>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let id: UInt64? = state.withLock { state in
            guard state.followers.count < limit else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.followers[id] = continuation
            if state.watching == nil { state.watching = watch() }
            return id
        }
        guard let id else { throw Full(limit: limit) }
        let interval = keepAliveInterval
        let ticks = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                continuation.yield(.keepAlive)
            }
        }
        let end: @Sendable () -> Void = { [weak self] in
            ticks.cancel()
            continuation.finish()
            self?.state.withLock { _ = $0.followers.removeValue(forKey: id) }
        }
        continuation.onTermination = { _ in end() }
        return Following(wakeups: stream, end: end)
    }

    private func wakeAll() {
        for follower in state.withLock({ Array($0.followers.values) }) { follower.yield(.committed) }
    }

    /// The store's commit signal, for as long as this process serves followers; restarted after a failure.
    private func watch() -> Task<Void, Never> {
        Task { [weak self, store] in
            let wake: @Sendable () -> Void = { [weak self] in self?.wakeAll() }
            while !Task.isCancelled, self != nil {
                do {
                    try await store.followCommits(wake)
                } catch {
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }
}
