import CoraKernel
import MCP

/// Between the SDK's JSON value and ours. Numbers keep their meaning: an integer stays an exact
/// integer literal, a double becomes its shortest round-trip literal.
extension JSONValue {
    public init(_ value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .integer(number)
        case .double(let number): self = .number(number.isFinite ? "\(number)" : "0")
        case .string(let text): self = .string(text)
        case .data(let mimeType, let data): self = .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case .array(let elements): self = .array(elements.map(JSONValue.init))
        case .object(let members): self = .object(members.mapValues(JSONValue.init))
        }
    }

    public var mcpValue: MCP.Value {
        switch self {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .number(let literal): Int(literal).map(MCP.Value.int) ?? Double(literal).map(MCP.Value.double) ?? .string(literal)
        case .string(let text): .string(text)
        case .array(let elements): .array(elements.map(\.mcpValue))
        case .object(let members): .object(members.mapValues(\.mcpValue))
        }
    }
}
