import CoraData
import CoraKernel
import CoraStoreSQLite
import CoraWire
import Foundation
import Synchronization

/// A clock tests move by hand; each reading advances one microsecond so timestamps stay distinct.
public final class ManualClock: WallClock {
    private let current: Mutex<Int64>

    public init(start: Timestamp = Timestamp(rfc3339: "2026-05-19T14:03:07.000000Z")!) {
        current = Mutex(start.microsecondsSinceEpoch)
    }

    public func now() -> Timestamp {
        current.withLock { value in
            value += 1
            return Timestamp(microsecondsSinceEpoch: value)
        }
    }

    public func advance(seconds: Int64) {
        current.withLock { $0 += seconds * 1_000_000 }
    }
}

/// Ids handed out in a fixed sequence, so tests can name them up front.
public final class SequentialIDs: IDGenerator {
    private let counter: Mutex<UInt64>
    private let prefix: UInt32

    public init(prefix: UInt32 = 0x0193_0000) {
        self.prefix = prefix
        counter = Mutex(0)
    }

    public func next() -> UUID {
        let value = counter.withLock { value in
            value += 1
            return value
        }
        return Self.id(prefix: prefix, value)
    }

    public static func id(prefix: UInt32 = 0x0193_0000, _ value: UInt64) -> UUID {
        let hex = String(prefix, radix: 16).leftPadded(8) + "-0000-7000-8000-" + String(value, radix: 16).leftPadded(12)
        return UUID(strict: hex)!
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

/// A fresh SQLite database in a temporary directory, removed by `cleanup()`.
public struct TemporarySQLite: Sendable {
    public let directory: URL
    public var path: String { directory.appendingPathComponent("cora.sqlite3").path }

    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("cora-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    public func open(clock: any WallClock = SystemClock(), retentionSeconds: Int64 = 86_400) async throws -> SQLiteStore {
        try await SQLiteStore.open(path: path, clock: clock, idempotencyRetentionSeconds: retentionSeconds)
    }

    public func cleanup() {
        try? FileManager.default.removeItem(at: directory)
    }
}

public enum Fixtures {
    public static let principal = PrincipalID(UUID(strict: "11111111-2222-3333-4444-555555555555")!)
    public static let checksum = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

    public static func caller(_ principal: PrincipalID = Fixtures.principal) -> CallContext {
        CallContext(principal: principal, correlationID: UUID())
    }

    /// A valid RegisterDataset body; `overrides` replace or add members (`.null` to send null).
    public static func registerBody(_ overrides: [String: JSONValue] = [:]) -> JSONValue {
        var members: [String: JSONValue] = [
            "name": "Catalyst pellet B-12, run 2026-05-19-007, raw projections",
            "uri": "s3://aps-35bm-raw/2026-05-19/run-007/projections.h5",
            "checksum": ["algorithm": "sha256", "value": .string(checksum)],
            "byte_size": 4_831_838_208,
            "encoding": ["media_type": "application/x-hdf5", "conforms_to": ["https://manual.nexusformat.org/classes/applications/NXtomo"]],
        ]
        for (key, value) in overrides { members[key] = value }
        return .object(members)
    }

    /// A RegisterDataset command read from `registerBody(overrides)` as the wire reads it.
    public static func registerCommand(_ overrides: [String: JSONValue] = [:]) throws -> RegisterDataset {
        try Slices.registerDataset.command(from: WireRequest(body: .json(registerBody(overrides))))
    }
}

extension JSONValue {
    /// A member as sent, `null` included (the subscript treats `null` as absent).
    public func member(_ key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members[key]
    }
}

/// A lock-protected value that concurrent test tasks can share.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    public init(_ value: Value) { mutex = Mutex(value) }

    public func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }

    public var value: Value { mutex.withLock { $0 } }
}

/// A loopback TCP port nothing listens on right now: the kernel picks it (bind to port 0), so it is
/// outside the range random picks would share with other tests' servers and outgoing connections.
public func freeLoopbackPort() -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
    }
    return bound ? Int(UInt16(bigEndian: address.sin_port)) : Int.random(in: 20_000...30_000)
}

/// A new, empty directory under the system temporary directory; the caller removes it.
public func temporaryDirectory(_ name: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cora-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

extension CoraStore {
    /// A transaction whose work appends, answered with the events at their final positions.
    public func appending(_ work: @escaping @Sendable (any DataTransaction) async throws -> [RecordedEvent]) async throws -> [RecordedEvent] {
        try await transaction { transaction in ((), try await work(transaction)) }.1
    }

    /// A transaction whose result carries no positions.
    public func inTransaction<T: Sendable>(_ work: @escaping @Sendable (any DataTransaction) async throws -> T) async throws -> T {
        try await transaction { transaction in (try await work(transaction), []) }.0
    }
}
