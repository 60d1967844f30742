import CoraKernel

/// JSON Schema of every slice's input and output, with the contract's constraints: one source for the
/// OpenAPI document and the MCP tools' input and output schemas.
public enum Schema {
    public static let uuid: JSONValue = ["type": "string", "format": "uuid"]
    public static let nullableUUID: JSONValue = ["type": ["string", "null"], "format": "uuid"]
    public static let timestamp: JSONValue = ["type": "string", "format": "date-time"]
    public static let uuidList: JSONValue = ["type": "array", "items": uuid]

    public static func string(min: Int = 1, max: Int) -> JSONValue { ["type": "string", "minLength": .integer(min), "maxLength": .integer(max)] }
    public static func array(_ items: JSONValue, max: Int) -> JSONValue { ["type": "array", "items": items, "maxItems": .integer(max), "uniqueItems": true] }
    public static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string)), "additionalProperties": false])
    }

    public static let problem: JSONValue = object([
        "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"], "code": ["type": "string"],
        "detail": ["type": "string"], "reason": ["type": "string"],
    ], required: ["type", "title", "status", "code", "detail"])

    // MARK: Inputs

    public static let registerDatasetBody = object([
        "name": string(max: 200),
        "uri": string(max: 2048),
        "checksum": object(["algorithm": ["type": "string", "enum": ["sha256"]],
                            "value": ["type": "string", "pattern": "^[0-9a-f]{64}$"]], required: ["algorithm", "value"]),
        "byte_size": ["type": "integer", "minimum": 0, "maximum": 9_223_372_036_854_775_807],
        "encoding": object(["media_type": string(max: 200), "conforms_to": array(string(max: 2048), max: 16)], required: ["media_type"]),
        "producing_run_id": nullableUUID,
        "subject_id": nullableUUID,
        "derived_from": array(uuid, max: 64),
        "used_calibrations": array(uuid, max: 64),
    ], required: ["name", "uri", "checksum", "byte_size", "encoding"])

    public static let reasonBody = object(["reason": string(max: 500)], required: ["reason"])
    public static let registerSubjectBody = object(["name": string(max: 200)], required: ["name"])
    public static let startRunBody = object(["name": string(max: 200), "subject_id": nullableUUID], required: ["name"])
    public static let endRunBody = object([
        "end_state": ["type": "string", "enum": ["Completed", "Aborted", "Stopped", "Truncated"]],
        "reason": ["type": ["string", "null"], "minLength": 1, "maxLength": 500],
    ], required: ["end_state"])

    // MARK: Outputs

    public static let dataset = object([
        "id": uuid, "name": ["type": "string"], "uri": ["type": "string"],
        "checksum": object(["algorithm": ["type": "string"], "value": ["type": "string"]], required: ["algorithm", "value"]),
        "byte_size": ["type": "integer"],
        "encoding": object(["media_type": ["type": "string"], "conforms_to": ["type": "array", "items": ["type": "string"]]], required: ["media_type", "conforms_to"]),
        "producing_run_id": nullableUUID,
        "producing_run_end_state": ["type": ["string", "null"], "enum": ["Completed", "Aborted", "Stopped", "Truncated", .null]],
        "subject_id": nullableUUID, "derived_from": uuidList, "used_calibrations": uuidList,
        "status": ["type": "string", "enum": ["Registered", "Discarded"]],
        "intent": ["type": "string", "description": "Trial, Production or Retracted (open set: new values may appear)"],
        "created_at": timestamp, "updated_at": timestamp, "version": ["type": "integer", "minimum": 1],
    ], required: ["id", "name", "uri", "checksum", "byte_size", "encoding", "producing_run_id", "producing_run_end_state", "subject_id",
                  "derived_from", "used_calibrations", "status", "intent", "created_at", "updated_at", "version"])

    public static let datasetHistory = object([
        "dataset_id": uuid,
        "events": ["type": "array", "items": object([
            "version": ["type": "integer"], "event_type": ["type": "string"], "payload": ["type": "object"],
            "actor_id": uuid, "correlation_id": uuid, "occurred_at": timestamp, "recorded_at": timestamp,
        ], required: ["version", "event_type", "payload", "actor_id", "correlation_id", "occurred_at", "recorded_at"])],
    ], required: ["dataset_id", "events"])

    public static let datasetPage = object([
        "items": ["type": "array", "items": object([
            "dataset_id": uuid, "name": ["type": "string"], "uri": ["type": "string"], "producing_run_id": nullableUUID,
            "subject_id": nullableUUID, "status": ["type": "string", "enum": ["Registered", "Discarded"]], "used_calibrations": uuidList,
            "created_at": timestamp,
        ], required: ["dataset_id", "name", "uri", "producing_run_id", "subject_id", "status", "used_calibrations", "created_at"])],
        "next_cursor": ["type": ["string", "null"]],
    ], required: ["items", "next_cursor"])

    public static let subject = object(["id": uuid, "name": ["type": "string"], "created_at": timestamp], required: ["id", "name", "created_at"])

    public static let run = object([
        "id": uuid, "name": ["type": "string"], "subject_id": nullableUUID,
        "status": ["type": "string", "enum": ["Running", "Completed", "Aborted", "Stopped", "Truncated"]],
        "started_at": timestamp, "ended_at": ["type": ["string", "null"], "format": "date-time"],
    ], required: ["id", "name", "subject_id", "status", "started_at", "ended_at"])

    public static func created(_ member: String) -> JSONValue { object([member: uuid], required: [member]) }

    /// The ListDatasets query parameters (MCP: arguments), with their schemas and meanings.
    public static let listDatasetsParameters: [(name: String, schema: JSONValue, description: String)] = [
        ("limit", ["type": "integer", "minimum": 1, "maximum": 100, "default": 50], "Page size."),
        ("cursor", ["type": "string", "minLength": 1], "next_cursor of the previous page."),
        ("status", ["type": "string", "enum": ["Registered", "Discarded"]], "Only this status."),
        ("producing_run_id", uuid, "Only Datasets of this Run."),
        ("subject_id", uuid, "Only Datasets about this Subject."),
        ("used_calibrations", ["type": "array", "items": uuid, "maxItems": 64], "Every id given must be cited."),
    ]
}
