import CoraData
import CoraKernel
import CoraWire

/// What `/openapi.json` says of one operation.
public struct OpenAPIOperation: Sendable {
    public let operationID: String
    /// The slices the route runs (none for the service's own routes).
    public private(set) var operations: Set<OperationName> = []
    let summary: String
    var pathParameters: [String]
    let queryParameters: [(name: String, schema: JSONValue, description: String)]
    let headers: [(name: String, required: Bool, schema: JSONValue, description: String)]
    let requestSchema: JSONValue?
    /// Success statuses → (description, schema of a JSON body or nil, response headers).
    let responses: [(status: Int, description: String, schema: JSONValue?)]
    /// Every problem code the route can answer with; grouped by status in the document.
    var refusals: [String]
    /// Statuses the MCP transport answers with a JSON-RPC error object (not a problem).
    let protocolErrors: [Int]
    /// Other media types the 200 answer may take (by content negotiation or a format parameter).
    let alternatives: [String: JSONValue]
    /// Whether the route needs a caller (`X-Principal-Id`, or a bearer token in bearer mode).
    let authenticated: Bool
    /// A slice's read: it takes `min_position` / `Cora-Min-Position`.
    var readsYourWrites = false
    /// A slice's command: its answer carries `Cora-Position`.
    var answersPosition = false

    init(_ operationID: String, _ summary: String, queryParameters: [(name: String, schema: JSONValue, description: String)] = [],
         headers: [(name: String, required: Bool, schema: JSONValue, description: String)] = [], requestSchema: JSONValue? = nil,
         responses: [(status: Int, description: String, schema: JSONValue?)], alternatives: [String: JSONValue] = [:], refusals: [String] = [],
         protocolErrors: [Int] = [], authenticated: Bool = true) {
        self.operationID = operationID
        self.summary = summary
        self.pathParameters = []
        self.queryParameters = queryParameters
        self.headers = headers
        self.requestSchema = requestSchema
        self.responses = responses
        self.refusals = refusals
        self.protocolErrors = protocolErrors
        self.alternatives = alternatives
        self.authenticated = authenticated
    }

    /// The operation of a slice's route (documenting each slice it runs): its refusals and the transport's (413 and 415 for a body).
    func documenting<Input, Command, Output>(_ slice: Slice<Input, Command, Output>, pathParameters: [String], body: Bool) -> OpenAPIOperation {
        var operation = self
        operation.pathParameters = pathParameters
        operation.operations.insert(slice.operation)
        operation.refusals = Array(Set((body ? ["PayloadTooLarge", "UnsupportedMediaType"] : []) + slice.refusals + refusals))
        operation.readsYourWrites = !body
        operation.answersPosition = body
        return operation
    }
}

enum OpenAPIDocument {
    /// OpenAPI 3.1 for every endpoint in the table.
    /// In bearer mode the caller is a token (a security scheme), not the `X-Principal-Id` header.
    static func build(_ endpoints: [Endpoint], bearer: Bool = false) -> JSONValue {
        var paths: [String: JSONValue] = [:]
        for endpoint in endpoints {
            var item: [String: JSONValue] = if case .object(let existing)? = paths[endpoint.path] { existing } else { [:] }
            item[endpoint.method.rawValue.lowercased()] = operation(endpoint.openAPI, bearer: bearer)
            paths[endpoint.path] = .object(item)
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "CORA Data service", "version": "1.0.0",
                     "description": "The Data module of CORA: the system of record for a facility's data products."],
            "paths": .object(paths),
            "components": bearer
                ? ["schemas": ["Problem": Schema.problem],
                   "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                                  "description": "An access token (RS256 or ES256) from the facility's identity provider."]]]
                : ["schemas": ["Problem": Schema.problem]],
        ]
    }

    static let jsonRPCError: JSONValue = [
        "type": "object", "required": ["jsonrpc", "error"],
        "properties": ["jsonrpc": ["type": "string"], "id": [:], "error": ["type": "object", "required": ["code", "message"]]],
    ]

    static let positionSchema: JSONValue = ["type": "integer", "minimum": 0, "maximum": 9_223_372_036_854_775_807]

    static let correlationHeader: JSONValue = ["description": "The request's correlation id (the client's when it sent a UUID).", "schema": Schema.uuid]

    private static func operation(_ op: OpenAPIOperation, bearer: Bool) -> JSONValue {
        var parameters: [JSONValue] = op.pathParameters.map { ["name": .string($0), "in": "path", "required": true, "schema": Schema.uuid] }
        parameters += op.queryParameters.map { ["name": .string($0.name), "in": "query", "required": false, "schema": $0.schema, "description": .string($0.description)] }
        if op.authenticated && !bearer {
            parameters.append(["name": "X-Principal-Id", "in": "header", "required": true, "schema": Schema.uuid, "description": "The caller's principal id."])
        }
        parameters += op.headers.map { ["name": .string($0.name), "in": "header", "required": .bool($0.required), "schema": $0.schema, "description": .string($0.description)] }
        if op.readsYourWrites {
            parameters += [
                ["name": "min_position", "in": "query", "required": false, "schema": positionSchema,
                 "description": "Read-your-writes: answer only once this position (a write's Cora-Position) is applied; 503 StoreUnavailable past a short wait."],
                ["name": "Cora-Min-Position", "in": "header", "required": false, "schema": ["type": "string", "pattern": "^[0-9]{1,19}$"],
                 "description": "The same as min_position, as a header."],
            ]
        }
        var responses: [String: JSONValue] = [:]
        for response in op.responses {
            var entry: [String: JSONValue] = ["description": .string(response.description), "headers": ["X-Correlation-Id": correlationHeader]]
            var content: [String: JSONValue] = [:]
            if let schema = response.schema { content["application/json"] = ["schema": schema] }
            if response.status == 200 { for (type, schema) in op.alternatives { content[type] = ["schema": schema] } }
            if !content.isEmpty { entry["content"] = .object(content) }
            if response.status == 200, !op.alternatives.isEmpty || response.schema != nil {
                entry["headers"] = ["X-Correlation-Id": correlationHeader, "ETag": ["description": "The version, or for a document a hash of it.", "schema": ["type": "string"]]]
            }
            if op.answersPosition, case .object(var headers)? = entry["headers"] {
                headers["Cora-Position"] = ["description": "The position the command's last event reached (read-your-writes: pass it as min_position).",
                                            "schema": ["type": "string", "pattern": "^[0-9]{1,19}$"]]
                entry["headers"] = .object(headers)
            }
            responses[String(response.status)] = .object(entry)
        }
        let byStatus = Dictionary(grouping: Set(op.refusals + ["InternalError"]), by: { Refusals.status[$0] ?? 500 })
        for (status, codes) in byStatus {
            let sorted = codes.sorted()
            var headers: [String: JSONValue] = ["X-Correlation-Id": correlationHeader]
            if status == 503 || sorted.contains("IdempotencyKeyInFlight") {
                headers["Retry-After"] = ["description": "Seconds to wait before retrying.", "schema": ["type": "integer"]]
            }
            if status == 401 && bearer {
                headers["WWW-Authenticate"] = ["description": "The RFC 6750 challenge: why the token was refused.", "schema": ["type": "string"]]
            }
            let schema: JSONValue = ["allOf": [["$ref": "#/components/schemas/Problem"],
                                               ["type": "object", "properties": ["code": ["type": "string", "enum": .array(sorted.map(JSONValue.string))]]]]]
            responses[String(status)] = [
                "description": .string("A refusal (RFC 9457 problem) with code \(sorted.joined(separator: ", ")).") ,
                "headers": .object(headers),
                "content": ["application/problem+json": ["schema": schema]],
            ]
        }
        for status in op.protocolErrors {
            let problemContent: JSONValue? = responses[String(status)]?["content"]?["application/problem+json"]
            var content: [String: JSONValue] = ["application/json": ["schema": jsonRPCError]]
            if let problemContent { content["application/problem+json"] = problemContent }
            responses[String(status)] = [
                "description": "A JSON-RPC error from the MCP transport (a malformed message, an unknown or expired session, a missing Accept).",
                "headers": ["X-Correlation-Id": correlationHeader], "content": .object(content),
            ]
        }
        var result: [String: JSONValue] = [
            "operationId": .string(op.operationID), "summary": .string(op.summary),
            "parameters": .array(parameters), "responses": .object(responses),
        ]
        if op.authenticated && bearer { result["security"] = [["bearer": []]] }
        if let schema = op.requestSchema {
            result["requestBody"] = ["required": true, "content": ["application/json": ["schema": schema]]]
        }
        return .object(result)
    }
}
