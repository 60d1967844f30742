import CoraKernel
import Foundation

/// Trimmed, 1–200 scalars, no control characters or line breaks.
public struct DatasetName: Sendable, Hashable {
    public let value: String
    static let rule = TextRule(maximumLength: 200, allowsLineBreaks: false)

    public init(_ raw: String) throws(DatasetError) {
        switch Self.rule.check(raw) {
        case .success(let value): self.value = value
        case .failure(let violation): throw .invalidName(violation.sentence("name", maximum: 200))
        }
    }

    /// A name read back from a stored event: taken as written, whatever today's rule says.
    init(stored value: String) { self.value = value }
}

/// Trimmed, 1–2048 scalars, an RFC 3986 scheme that is not on the block list, no white space or
/// control character anywhere (browsers strip them inside a scheme, which would bypass the block list).
public struct DatasetURI: Sendable, Hashable {
    public let value: String
    public static let blockedSchemes: Set<String> = ["javascript", "vbscript", "data", "about", "view-source"]

    public init(_ raw: String) throws(DatasetError) {
        let value = TextRule.trimmed(raw)
        let count = value.unicodeScalars.count
        guard count > 0 else { throw .invalidURI("uri must not be empty or only white space") }
        guard count <= 2048 else { throw .invalidURI("uri must be at most 2048 characters after trimming; got \(count)") }
        if let bad = value.unicodeScalars.first(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
            throw .invalidURI("uri must not contain white space or control characters (found U+\(String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4)))")
        }
        guard let colon = value.unicodeScalars.firstIndex(of: ":") else {
            throw .invalidURI("uri must start with a scheme followed by ':' (for example s3: or https:)")
        }
        let scheme = value.unicodeScalars[..<colon]
        guard let first = scheme.first, first.isASCIILetter,
              scheme.allSatisfy({ $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "+" || $0 == "-" || $0 == "." })
        else { throw .invalidURI("uri must start with a scheme: a letter, then letters, digits, '+', '-' or '.', then ':'") }
        let lowered = String(scheme).lowercased()
        guard !Self.blockedSchemes.contains(lowered) else {
            throw .invalidURI("uri scheme '\(lowered)' is not allowed (blocked: \(Self.blockedSchemes.sorted().joined(separator: ", ")))")
        }
        self.value = value
    }

    /// A URI read back from a stored event: taken as written.
    init(stored value: String) { self.value = value }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}

/// `{algorithm, value}`: algorithm exactly `sha256`, value exactly 64 lower-case hex characters.
public struct DatasetChecksum: Sendable, Hashable {
    public static let algorithm = "sha256"
    public let algorithm: String
    public let value: String

    public init(algorithm rawAlgorithm: String, value rawValue: String) throws(DatasetError) {
        let algorithm = TextRule.trimmed(rawAlgorithm)
        let value = TextRule.trimmed(rawValue)
        guard algorithm == Self.algorithm else {
            throw .invalidChecksum("checksum.algorithm must be 'sha256'")
        }
        let isHex = value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        guard value.utf8.count == 64, value.unicodeScalars.count == 64, isHex else {
            throw .invalidChecksum("checksum.value must be exactly 64 lower-case hex characters; got \(value.unicodeScalars.count) characters\(isHex ? "" : " with some outside [0-9a-f]")")
        }
        self.algorithm = algorithm
        self.value = value
    }

    /// A checksum read back from a stored event: taken as written.
    init(storedAlgorithm algorithm: String, value: String) {
        self.algorithm = algorithm
        self.value = value
    }

    public var json: JSONValue { .object(["algorithm": .string(algorithm), "value": .string(value)]) }
}

/// A whole number of bytes, 0 ≤ n ≤ 2^63−1, written in any JSON number notation.
public struct DatasetByteSize: Sendable, Hashable {
    public let value: Int64

    public init(_ value: Int64) throws(DatasetError) {
        guard value >= 0 else { throw .invalidByteSize("byte_size must not be negative") }
        self.value = value
    }

    /// A size read back from a stored event: taken as written.
    init(stored value: Int64) { self.value = value }

    /// Reads the exact value of a JSON number literal (`1024`, `1024.0`, `1e3`) without floating point.
    public init(literal: String) throws(DatasetError) {
        let invalid = DatasetError.invalidByteSize("byte_size must be a whole number from 0 to 9223372036854775807; got \(literal.prefix(40))")
        var scalars = Substring(literal)
        let negative = scalars.first == "-"
        if negative { scalars = scalars.dropFirst() }
        let exponentStart = scalars.firstIndex(where: { $0 == "e" || $0 == "E" })
        let mantissa = exponentStart.map { scalars[..<$0] } ?? scalars
        var exponent = 0
        if let exponentStart {
            let exponentText = scalars[scalars.index(after: exponentStart)...]
            // A huge exponent on a zero mantissa is still zero; on anything else it is out of range.
            guard let parsed = Int(exponentText.count > 12 ? (exponentText.hasPrefix("-") ? "-999999999999" : "999999999999") : exponentText) else { throw invalid }
            exponent = parsed
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerDigits = parts[0]
        let fractionDigits = parts.count > 1 ? parts[1] : ""
        var digits = Array(integerDigits + fractionDigits)
        exponent -= fractionDigits.count
        // Normalise to digits × 10^exponent with no leading zeros and no trailing zeros.
        while let first = digits.first, first == "0" { digits.removeFirst() }
        while let last = digits.last, last == "0", !digits.isEmpty { digits.removeLast(); exponent += 1 }
        if digits.isEmpty { self.value = 0; return }
        guard !negative, exponent >= 0, digits.count + exponent <= 19 else { throw invalid }
        let text = String(digits) + String(repeating: "0", count: exponent)
        guard let value = Int64(text) else { throw invalid }
        self.value = value
    }
}

/// `{media_type, conforms_to}`: a loose MIME shape and up to 16 distinct profile URIs.
public struct DatasetEncoding: Sendable, Hashable {
    public let mediaType: String
    public let conformsTo: Set<String>
    static let mediaTypeRule = TextRule(maximumLength: 200, allowsLineBreaks: false)
    static let profileRule = TextRule(maximumLength: 2048, allowsLineBreaks: false)

    public init(mediaType rawMediaType: String, conformsTo rawProfiles: [String]) throws(DatasetError) {
        let mediaType: String
        switch Self.mediaTypeRule.check(rawMediaType) {
        case .success(let value): mediaType = value
        case .failure(let violation): throw .invalidEncoding(violation.sentence("encoding.media_type", maximum: 200))
        }
        guard Self.isMIMEShaped(mediaType) else {
            throw .invalidEncoding("encoding.media_type must look like type/subtype[;parameters], for example application/x-hdf5")
        }
        var profiles: Set<String> = []
        for raw in rawProfiles {
            switch Self.profileRule.check(raw) {
            case .success(let value): profiles.insert(value)
            case .failure(let violation): throw .invalidEncoding(violation.sentence("each encoding.conforms_to entry", maximum: 2048))
            }
        }
        guard profiles.count <= 16 else {
            throw .invalidEncoding("encoding.conforms_to may hold at most 16 distinct entries; got \(profiles.count)")
        }
        self.mediaType = mediaType
        self.conformsTo = profiles
    }

    /// An encoding read back from a stored event: taken as written.
    init(storedMediaType mediaType: String, conformsTo: Set<String>) {
        self.mediaType = mediaType
        self.conformsTo = conformsTo
    }

    /// RFC 9110 token characters.
    private static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCIILetter || ("0"..."9").contains(scalar) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar)
        }
    }

    private static func isMIMEShaped(_ text: String) -> Bool {
        let essence = text.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let halves = essence.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
        return halves.count == 2 && isToken(halves[0]) && isToken(halves[1])
    }

    public var json: JSONValue {
        .object(["media_type": .string(mediaType), "conforms_to": .array(conformsTo.sorted(by: codePointOrder).map(JSONValue.string))])
    }
}

/// Sort order for string sets: by Unicode code point, as canonical JSON sorts keys.
public func codePointOrder(_ lhs: String, _ rhs: String) -> Bool {
    lhs.unicodeScalars.lexicographicallyPrecedes(rhs.unicodeScalars)
}

/// 0–64 distinct UUIDs.
func boundedUUIDSet(_ ids: [UUID], maximum: Int = 64, error: (String) -> DatasetError) throws(DatasetError) -> Set<UUID> {
    let set = Set(ids)
    guard set.count <= maximum else { throw error("at most \(maximum) distinct ids are allowed; got \(set.count)") }
    return set
}

/// UUIDs ordered as their lower-case text, which is also byte order (what PostgreSQL and the cursor use).
public func uuidOrder(_ lhs: UUID, _ rhs: UUID) -> Bool { lhs.orderKey < rhs.orderKey }

/// Lower-case UUID strings, sorted; the canonical form of an id set.
public func sortedIDs(_ ids: some Collection<UUID>) -> [String] {
    ids.map(\.lowercased).sorted()
}

/// A free-text audit reason (promotion, demotion, discard, run end): trimmed, 1–500 scalars, tab and
/// line breaks allowed. Which `Invalid…Reason` code a bad one raises depends on the command.
public struct Reason: Sendable, Hashable {
    public let value: String

    public init<Failure: Error>(_ raw: String, orThrow failure: (String) -> Failure) throws(Failure) {
        switch ReasonText.rule.check(raw) {
        case .success(let value): self.value = value
        case .failure(let violation): throw failure(violation.sentence("reason", maximum: 500))
        }
    }

    /// A reason read back from a stored event: taken as written.
    init(stored value: String) { self.value = value }
}
