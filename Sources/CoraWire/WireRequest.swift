import CoraKernel
import Foundation

/// A request body as a surface hands it over: raw bytes (REST, CLI) or an already parsed value (MCP).
/// Parsing is deferred so that the contract's check order (authorize before shape) holds on every surface.
public enum CommandBody: Sendable {
    case bytes([UInt8])
    case json(JSONValue)

    /// The body as an object reader; 422 when it is empty, not JSON, or not an object.
    public func object() throws(RequestError) -> ObjectReader {
        let value: JSONValue
        switch self {
        case .json(let parsed): value = parsed
        case .bytes(let bytes):
            guard !bytes.isEmpty else { throw .invalidRequest(field: nil, detail: "The request body is empty; a JSON object is required.") }
            do { value = try JSONParser.parse(bytes) } catch {
                throw .invalidRequest(field: nil, detail: "The request body is not valid JSON: \(error.message) at byte \(error.offset).")
            }
        }
        return try ObjectReader(value, path: nil)
    }
}

/// An `Idempotency-Key` as a surface received it: a REST header is always text, an MCP argument may be
/// of any JSON type (a non-string one is refused at the key step, like a malformed header).
public enum IdempotencyKeyInput: Sendable, Equatable {
    case absent
    case text(String)
    case notText(kind: String)

    public init(header: String?) {
        self = header.map(IdempotencyKeyInput.text) ?? .absent
    }

    public init(argument: JSONValue?) {
        switch argument {
        case nil, .null?: self = .absent
        case .string(let key)?: self = .text(key)
        case let other?: self = .notText(kind: other.kindName)
        }
    }
}

/// What a slice's request is made of on every surface: path parameters, query parameters (REST) or
/// query arguments (MCP), a body for commands, and the idempotency key.
public struct WireRequest: Sendable {
    public var path: [String: String]
    public var parameters: QueryParameters
    /// `nil` when the surface sent none (queries); REST commands always carry one, empty or not.
    public var body: CommandBody?
    public var idempotencyKey: IdempotencyKeyInput
    /// Read-your-writes (`min_position`, `Cora-Min-Position`) in every form the surface received, not yet checked.
    public var minPosition: [String]

    public init(path: [String: String] = [:], parameters: QueryParameters = .none, body: CommandBody? = nil, idempotencyKey: IdempotencyKeyInput = .absent,
                minPosition: [String] = []) {
        self.path = path
        self.parameters = parameters
        self.body = body
        self.idempotencyKey = idempotencyKey
        self.minPosition = minPosition
    }

    /// The position a read must see (the highest given), or nil; 422 unless every form given is a whole number.
    func requiredPosition() throws(RequestError) -> Int64? {
        var required: Int64?
        for text in minPosition {
            guard !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let position = Int64(text) else {
                throw .invalidRequest(field: "min_position", detail: "min_position (and Cora-Min-Position) must be a position: a whole number, 0 or more.")
            }
            required = max(required ?? position, position)
        }
        return required
    }

    /// A path parameter that must be a UUID (422 otherwise, after authorization).
    public func pathUUID(_ name: String) throws(RequestError) -> UUID {
        guard let text = path[name], let uuid = UUID(strict: text) else { throw .invalidRequest(field: name, detail: "\(name) must be a UUID.") }
        return uuid
    }

    /// The body object of a command; a command with no body is refused like an empty one.
    public func bodyObject() throws(RequestError) -> ObjectReader {
        try (body ?? .bytes([])).object()
    }
}

/// Query parameters as they arrived: text pairs in order (REST, repeated names kept) or a JSON object of
/// typed arguments (MCP). Slices read them through one `ParameterReader`, so both surfaces refuse the
/// same inputs with the same code, and MCP's typed values are read as they are, never turned into text.
public struct QueryParameters: Sendable {
    enum Source: Sendable {
        case pairs([(name: String, value: String)])
        case arguments([String: JSONValue])
    }

    let source: Source

    public static let none = QueryParameters(source: .pairs([]))
    public static func pairs(_ pairs: [(name: String, value: String)]) -> QueryParameters { QueryParameters(source: .pairs(pairs)) }
    public static func arguments(_ members: [String: JSONValue]) -> QueryParameters { QueryParameters(source: .arguments(members)) }

    public var reader: ParameterReader { ParameterReader(source) }
}

/// Reads declared parameters; `finish()` refuses anything not read. Every refusal is 422 `InvalidRequest`.
public struct ParameterReader {
    private let source: QueryParameters.Source
    private var read: [String] = []

    init(_ source: QueryParameters.Source) {
        self.source = source
    }

    private static func refuse(_ name: String, _ detail: String) -> RequestError { .invalidRequest(field: name, detail: detail) }

    /// The one value of a parameter that may appear once; from MCP, a JSON string (or, with
    /// `number`, a JSON number given as its literal).
    private mutating func single(_ name: String, number: Bool = false) throws(RequestError) -> String? {
        read.append(name)
        switch source {
        case .pairs(let pairs):
            let values = pairs.filter { $0.name == name }.map(\.value)
            guard values.count <= 1 else { throw Self.refuse(name, "Query parameter '\(name)' may appear only once.") }
            return values.first
        case .arguments(let members):
            switch members[name] {
            case nil, .null?: return nil
            case .string(let text)? where !number: return text
            case .number(let literal)? where number: return literal
            case let other?: throw Self.refuse(name, "\(name) must be \(number ? "a number" : "a string"), not \(other.kindName).")
            }
        }
    }

    public mutating func string(_ name: String) throws(RequestError) -> String? {
        try single(name)
    }

    /// A whole number within `range`.
    public mutating func integer(_ name: String, in range: ClosedRange<Int>) throws(RequestError) -> Int? {
        guard let text = try single(name, number: true) else { return nil }
        guard text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int(text), range.contains(value) else {
            throw Self.refuse(name, "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    public mutating func uuid(_ name: String) throws(RequestError) -> UUID? {
        guard let text = try single(name) else { return nil }
        guard let uuid = UUID(strict: text) else { throw Self.refuse(name, "\(name) must be a UUID.") }
        return uuid
    }

    /// One of the raw values a `RawRepresentable` takes.
    public mutating func choice<Choice: RawRepresentable & CaseIterable>(_ name: String, _ type: Choice.Type) throws(RequestError) -> Choice? where Choice.RawValue == String {
        guard let text = try single(name) else { return nil }
        guard let value = Choice(rawValue: text) else {
            throw Self.refuse(name, "\(name) must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return value
    }

    /// A repeatable parameter (REST: given several times; MCP: an array of strings), duplicates collapsed.
    public mutating func uuidList(_ name: String, maximum: Int) throws(RequestError) -> [UUID] {
        read.append(name)
        var texts: [String] = []
        switch source {
        case .pairs(let pairs): texts = pairs.filter { $0.name == name }.map(\.value)
        case .arguments(let members):
            switch members[name] {
            case nil, .null?: break
            case .array(let elements)?:
                for element in elements {
                    guard case .string(let text) = element else { throw Self.refuse(name, "\(name) must be an array of UUID strings.") }
                    texts.append(text)
                }
            case let other?: throw Self.refuse(name, "\(name) must be an array of UUID strings, not \(other.kindName).")
            }
        }
        var ids: [UUID] = []
        for text in texts {
            guard let id = UUID(strict: text) else { throw Self.refuse(name, "\(name) must be a UUID.") }
            if !ids.contains(id) { ids.append(id) }
        }
        guard ids.count <= maximum else { throw Self.refuse(name, "At most \(maximum) \(name) may be given.") }
        return ids
    }

    /// Refuses every parameter that was not read: a mistyped filter must not silently list everything.
    public func finish() throws(RequestError) {
        let names: [String]
        switch source {
        case .pairs(let pairs): names = pairs.map(\.name)
        case .arguments(let members): names = members.keys.sorted()
        }
        if let unknown = names.first(where: { !read.contains($0) }) {
            let known = read.isEmpty ? "this route takes none" : "known: \(read.sorted().joined(separator: ", "))"
            throw Self.refuse(unknown, "Unknown \(isArguments ? "argument" : "query parameter") '\(unknown)'; \(known).")
        }
    }

    private var isArguments: Bool {
        if case .arguments = source { return true }
        return false
    }
}
