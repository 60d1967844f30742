import CoraKernel
import Foundation

/// Reads a request object member by member and refuses, as 422 `InvalidRequest`, wrong JSON types,
/// missing required members and members it was never asked about (unknown at any depth).
public struct ObjectReader {
    private let members: [String: JSONValue]
    private let path: String?
    private var consulted: Set<String> = []

    public init(_ value: JSONValue, path: String? = nil) throws(RequestError) {
        guard case .object(let members) = value else {
            throw .invalidRequest(field: path, detail: "\(path ?? "The request body") must be a JSON object, not \(value.kindName).")
        }
        self.members = members
        self.path = path
    }

    private func field(_ key: String) -> String { path.map { "\($0).\(key)" } ?? key }

    private mutating func value(_ key: String) -> JSONValue? {
        consulted.insert(key)
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    private func wrongType(_ key: String, expected: String, got value: JSONValue) -> RequestError {
        .invalidRequest(field: field(key), detail: "\(field(key)) must be \(expected), not \(value.kindName).")
    }

    private func missing(_ key: String) -> RequestError {
        .invalidRequest(field: field(key), detail: "\(field(key)) is required.")
    }

    public mutating func requiredString(_ key: String) throws(RequestError) -> String {
        guard let text = try optionalString(key) else { throw missing(key) }
        return text
    }

    public mutating func optionalString(_ key: String) throws(RequestError) -> String? {
        guard let value = value(key) else { return nil }
        guard case .string(let text) = value else { throw wrongType(key, expected: "a string", got: value) }
        return text
    }

    public mutating func requiredNumberLiteral(_ key: String) throws(RequestError) -> String {
        guard let value = value(key) else { throw missing(key) }
        guard case .number(let literal) = value else { throw wrongType(key, expected: "a number", got: value) }
        return literal
    }

    public mutating func optionalUUID(_ key: String) throws(RequestError) -> UUID? {
        guard let text = try optionalString(key) else { return nil }
        guard let uuid = UUID(strict: text) else { throw .invalidRequest(field: field(key), detail: "\(field(key)) must be a UUID.") }
        return uuid
    }

    public mutating func stringArray(_ key: String) throws(RequestError) -> [String] {
        guard let value = value(key) else { return [] }
        guard case .array(let elements) = value else { throw wrongType(key, expected: "an array of strings", got: value) }
        var strings: [String] = []
        for (offset, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw .invalidRequest(field: "\(field(key))[\(offset)]", detail: "\(field(key))[\(offset)] must be a string, not \(element.kindName).")
            }
            strings.append(text)
        }
        return strings
    }

    public mutating func uuidArray(_ key: String) throws(RequestError) -> [UUID] {
        var uuids: [UUID] = []
        for (offset, text) in try stringArray(key).enumerated() {
            guard let uuid = UUID(strict: text) else {
                throw .invalidRequest(field: "\(field(key))[\(offset)]", detail: "\(field(key))[\(offset)] must be a UUID.")
            }
            uuids.append(uuid)
        }
        return uuids
    }

    public mutating func requiredObject(_ key: String) throws(RequestError) -> ObjectReader {
        guard let value = value(key) else { throw missing(key) }
        return try ObjectReader(value, path: field(key))
    }

    /// Call last: refuses any member the caller did not read.
    public func rejectUnknownMembers() throws(RequestError) {
        if let unknown = members.keys.filter({ !consulted.contains($0) }).sorted().first {
            throw .invalidRequest(field: field(unknown), detail: "\(field(unknown)) is not a known member.")
        }
    }
}
