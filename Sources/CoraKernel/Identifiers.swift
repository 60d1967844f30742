import Foundation

extension UUID {
    /// Parses exactly the 8-4-4-4-12 hex form, any case. Foundation's parser is the fallback authority,
    /// the length and hyphen check keeps out the other spellings it might accept on some platform.
    public init?(strict text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        for (offset, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(offset) {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                let isHex = (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
                guard isHex else { return nil }
            }
        }
        self.init(uuidString: text)
    }

    /// The wire and storage form: lower case.
    public var lowercased: String { uuidString.lowercased() }
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

    public init(principal: PrincipalID, correlationID: UUID) {
        self.principal = principal
        self.correlationID = correlationID
    }
}
