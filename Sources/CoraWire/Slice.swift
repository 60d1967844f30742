import CoraData
import CoraKernel
import Foundation
import Synchronization

/// Whether a slice takes an `Idempotency-Key`, and whether it must.
public enum KeyRule: Sendable {
    case none
    case optional
    case required

    /// The key step of the order of checks: 400 when required and missing, or malformed.
    func read(_ input: IdempotencyKeyInput) throws(IdempotencyError) -> IdempotencyKey? {
        switch (self, input) {
        case (.none, _): return nil
        case (.required, .absent): throw .missing
        case (.optional, .absent): return nil
        case (_, .notText): throw .invalid("idempotency_key must be a string.")
        case (_, .text(let raw)): return try IdempotencyKey(raw)
        }
    }
}

/// One slice as every surface sees it: its operation name (the Authorize check), its key rule, how its
/// request's shape is read (422) and its values built into the typed command (400), and the handler
/// call. REST routes, MCP tools and the CLI all run it through `SliceRunner`.
public struct Slice<Input: Sendable, Command: Sendable, Output: Sendable>: Sendable {
    public let operation: OperationName
    public let key: KeyRule
    /// Every code a call can be refused with: the runner's own, then the slice's values, loads and guards.
    public let refusals: [String]
    /// Reads the request's shape, refusing it with `RequestError` (422), and returns the step that builds
    /// the command's value objects (400), so the runner can order the two.
    let shape: @Sendable (Input) throws -> @Sendable () throws -> Command
    let handle: @Sendable (ServiceDependencies, Command, IdempotencyKey?, CallContext) async throws -> Output

    init(_ operation: OperationName, key: KeyRule = .none, refusals: [String],
         shape: @escaping @Sendable (Input) throws -> @Sendable () throws -> Command,
         handle: @escaping @Sendable (ServiceDependencies, Command, IdempotencyKey?, CallContext) async throws -> Output) {
        self.operation = operation
        self.key = key
        self.refusals = Refusals.runner(key) + refusals
        self.shape = shape
        self.handle = handle
    }
}

extension Slice {
    /// The typed command a request makes, shape and values both checked (for callers that hold a
    /// request but no identity: tests, tools).
    public func command(from input: Input) throws -> Command {
        try shape(input)()
    }
}

/// Who is calling, as the surface established it: REST reads a header, stdio MCP has a fixed principal.
/// It throws `Unauthenticated` when there is no usable identity.
public typealias Identify = @Sendable () throws -> CallContext

/// The one place that states the order of checks (§5) for every slice on every surface. The transport's
/// own checks (REST: body size 413, then content type 415) come before it; then:
public struct SliceRunner: Sendable {
    public let dependencies: ServiceDependencies
    public let policy: AccessPolicy

    public init(dependencies: ServiceDependencies, policy: AccessPolicy) {
        self.dependencies = dependencies
        self.policy = policy
    }

    public func run<Input, Command, Output>(_ slice: Slice<Input, Command, Output>, _ input: Input, key: IdempotencyKeyInput = .absent,
                                            minPosition: (@Sendable () throws(RequestError) -> Int64?)? = nil, identify: Identify) async throws -> Output {
        try await run(slice, input, key: key, minPosition: minPosition, dependencies: dependencies, identify: identify)
    }

    private func run<Input, Command, Output>(_ slice: Slice<Input, Command, Output>, _ input: Input, key: IdempotencyKeyInput,
                                             minPosition: (@Sendable () throws(RequestError) -> Int64?)?, dependencies: ServiceDependencies,
                                             identify: Identify) async throws -> Output {
        let caller = try identify()                                    // 401 Unauthenticated
        try policy.authorize(slice.operation, for: caller)             // 403 Unauthorized
        let idempotencyKey = try slice.key.read(key)                   // 400 IdempotencyKeyMissing / InvalidIdempotencyKey
        let buildValues = try slice.shape(input)                       // 422 InvalidRequest, InvalidCursor
        let required = try minPosition?()                              // 422 InvalidRequest (min_position)
        let command = try buildValues()                                // 400 Invalid<Value>
        var reading = dependencies
        if let required { reading = try await dependencies.reading(atLeast: required) }  // 503 StoreUnavailable
        return try await slice.handle(reading, command, idempotencyKey, caller)  // 404 loads, 409 guards, 503 store
    }

    /// A request on the wire: its key and its read-your-writes position travel with it.
    public func run<Command, Output>(_ slice: Slice<WireRequest, Command, Output>, _ request: WireRequest, identify: Identify) async throws -> Output {
        try await run(slice, request, key: request.idempotencyKey, minPosition: { () throws(RequestError) in try request.requiredPosition() }, identify: identify)
    }

    /// A command on the wire, and the position its last event reached; a command that appended nothing
    /// (a replay) answers the latest position, which includes the original's.
    public func runCommand<Command, Output>(_ slice: Slice<WireRequest, Command, Output>, _ request: WireRequest,
                                            identify: Identify) async throws -> (output: Output, position: Int64) {
        let reached = AppendedPosition()
        let output = try await run(slice, request, key: request.idempotencyKey, minPosition: { () throws(RequestError) in try request.requiredPosition() },
                                   dependencies: dependencies.observing { reached.record($0) }, identify: identify)
        if let position = reached.position { return (output, position) }
        return (output, try await dependencies.store.headPosition())
    }
}

/// The highest position one command's appends reached.
private final class AppendedPosition: Sendable {
    private let reached = Mutex<Int64?>(nil)
    func record(_ events: [RecordedEvent]) {
        guard let last = events.map(\.position).max() else { return }
        reached.withLock { $0 = max($0 ?? last, last) }
    }
    var position: Int64? { reached.withLock { $0 } }
}

/// The slice table's namespace: one static member per slice, in `Slices/`.
public enum Slices {}
