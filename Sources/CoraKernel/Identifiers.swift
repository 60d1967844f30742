import Foundation

extension UUID {
    /// Parses exactly the 8-4-4-4-12 hex form, any case. Decoded here rather than by
    /// `UUID(uuidString:)`, which on Linux goes through `sscanf` and showed in the read path's profile,
    /// and which might accept other spellings on some platform.
    public init?(strict text: String) {
        let characters = text.utf8
        guard characters.count == 36 else { return nil }
        var parsed: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let valid = withUnsafeMutableBytes(of: &parsed) { bytes -> Bool in
            var filled = 0
            var high: UInt8?
            for (offset, character) in characters.enumerated() {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard character == UInt8(ascii: "-") else { return false }
                    continue
                }
                let nibble: UInt8
                switch character {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
                default: return false
                }
                if let first = high {
                    bytes[filled] = first << 4 | nibble
                    filled += 1
                    high = nil
                } else {
                    high = nibble
                }
            }
            return true
        }
        guard valid else { return nil }
        self.init(uuid: parsed)
    }

    /// The wire and storage form: lower case. Written here for the same reason as the parser: it is on
    /// every response and every stored event.
    public var lowercased: String {
        withUnsafeBytes(of: uuid) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                var position = 0
                for (index, byte) in raw.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        out[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    out[position] = lowercaseHexDigit(byte >> 4)
                    out[position + 1] = lowercaseHexDigit(byte & 0x0F)
                    position += 2
                }
                return position
            }
        }
    }
}

extension UUID {
    /// The id as two big-endian integers: comparing these is comparing the lower-case text (and the
    /// bytes, as PostgreSQL and SQLite order them), without building strings in a sort's comparator.
    public var orderKey: (UInt64, UInt64) {
        withUnsafeBytes(of: uuid) { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self).bigEndian, raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).bigEndian)
        }
    }
}

private func lowercaseHexDigit(_ nibble: UInt8) -> UInt8 {
    nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
}

/// Source of new ids; tests fix it, production uses UUIDv7.
public protocol IDGenerator: Sendable {
    func next() -> UUID
}

/// Source of the current time; tests fix it.
public protocol WallClock: Sendable {
    func now() -> Timestamp
}

public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(microsecondsSinceEpoch: Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000)
    }
}

/// RFC 9562 version 7: 48-bit Unix milliseconds, then random bits. Foundation has no v7 constructor.
public struct UUIDv7Generator: IDGenerator {
    private let clock: any WallClock

    public init(clock: any WallClock = SystemClock()) {
        self.clock = clock
    }

    public func next() -> UUID {
        let millis = UInt64(max(0, clock.now().microsecondsSinceEpoch / 1000))
        var random = SystemRandomNumberGenerator()
        let high = random.next() as UInt64
        let low = random.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 { bytes[index] = UInt8(truncatingIfNeeded: millis >> (8 * (5 - index))) }
        for index in 6..<8 { bytes[index] = UInt8(truncatingIfNeeded: high >> (8 * index)) }
        for index in 8..<16 { bytes[index] = UInt8(truncatingIfNeeded: low >> (8 * (index - 8))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

/// The authenticated caller, recorded as `actor_id` on every event it causes.
public struct PrincipalID: Sendable, Hashable, CustomStringConvertible {
    public let uuid: UUID
    public init(_ uuid: UUID) { self.uuid = uuid }
    public var description: String { uuid.lowercased }
}

/// Who is asking and under which correlation id; every command and query gets one.
public struct CallContext: Sendable {
    public let principal: PrincipalID
    public let correlationID: UUID
    /// The groups the identity provider says the caller is in (bearer tokens only); policy grants may name them.
    public let groups: Set<String>

    public init(principal: PrincipalID, correlationID: UUID, groups: Set<String> = []) {
        self.principal = principal
        self.correlationID = correlationID
        self.groups = groups
    }
}
