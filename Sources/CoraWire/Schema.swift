import CoraKernel

/// JSON Schema of every slice's input and output, with the contract's constraints: one source for the
/// OpenAPI document and the MCP tools' input and output schemas.
public enum Schema {
    /// Regular expressions that say exactly what the value objects accept (§4), so a generated client
    /// or a schema-driven tester knows the rules, not an approximation of them. Written once here.
    enum Pattern {
        /// Unicode White_Space: what every string is trimmed of.
        static let whitespace = #"\u0009-\u000D\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"#
        /// What a name may hold after trimming: no C0 control, DEL or line break.
        static let nameCharacter = #"[^\u0000-\u001F\u007F\u0085\u2028\u2029"# + "]"
        /// What a free-text reason may hold: tab and line breaks too.
        static let reasonCharacter = #"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F"# + "]"
        /// The first and last character after trimming: a name character that is not white space.
        static let edgeCharacter = #"[^\u0000-\u001F\u007F"# + whitespace + "]"

        /// A string that, trimmed of white space, holds 1…`maximum` characters of `inner`.
        static func trimmed(maximum: Int, inner: String = nameCharacter) -> String {
            "^[\(whitespace)]*\(edgeCharacter)(?:\(inner){0,\(maximum - 2)}\(edgeCharacter))?[\(whitespace)]*$"
        }

        static let uuid = "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"

        /// An RFC 3986 scheme that is not blocked (any case), then no white space or control character,
        /// 1–2048 characters once trimmed.
        static let uri: String = {
            let blocked = ["javascript", "vbscript", "data", "about", "view-source"].map { scheme in
                scheme.map { character in character.isLetter ? "[\(character)\(character.uppercased())]" : String(character) }.joined() + ":"
            }
            return "^[\(whitespace)]*(?=[^\(whitespace)]{1,2048}[\(whitespace)]*$)(?!\(blocked.joined(separator: "|")))"
                + #"[A-Za-z][A-Za-z0-9+.\-]*:[^\u0000-\u001F\u007F-\u009F"# + whitespace + "]*[\(whitespace)]*$"
        }()

        /// `type/subtype[;parameters]` with RFC 9110 tokens, as a trimmed name of at most 200 characters.
        static let mediaType: String = {
            let token = #"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"#
            let spaces = #"[\u0020\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]"#
            return "^(?=\(trimmed(maximum: 200).dropFirst()))[\(whitespace)]*\(token)/\(token)(?:\(spaces)*;\(nameCharacter)*)?[\(whitespace)]*$"
        }()

        static func exactly(_ text: String) -> String { "^[\(whitespace)]*\(text)[\(whitespace)]*$" }
    }

    public static let uuid: JSONValue = ["type": "string", "format": "uuid", "pattern": .string(Pattern.uuid)]
    public static let nullableUUID: JSONValue = ["type": ["string", "null"], "format": "uuid", "pattern": .string(Pattern.uuid)]
    public static let timestamp: JSONValue = ["type": "string", "format": "date-time"]
    public static let uuidList: JSONValue = ["type": "array", "items": uuid]

    /// A name-like string: 1…`max` characters once trimmed of white space, no control character or line break.
    public static func text(max: Int) -> JSONValue {
        ["type": "string", "pattern": .string(Pattern.trimmed(maximum: max)),
         "description": .string("1–\(max) characters once trimmed of white space; no control character or line break.")]
    }

    /// A free-text reason: 1–500 characters once trimmed; tab and line breaks allowed.
    public static let reason: JSONValue = [
        "type": "string", "pattern": .string(Pattern.trimmed(maximum: 500, inner: Pattern.reasonCharacter)),
        "description": "1–500 characters once trimmed of white space; tab and line breaks allowed, no other control character.",
    ]

    /// An Idempotency-Key as an MCP argument: 1–255 characters, no control character, taken as given.
    public static let idempotencyKeyArgument: JSONValue = ["type": "string", "pattern": #"^[^\u0000-\u001F\u007F]{1,255}$"#]
    /// The same key as an HTTP header, whose leading and trailing white space HTTP itself removes.
    public static let idempotencyKeyHeader: JSONValue = ["type": "string", "pattern": #"^[!-~\u0080-\u00FF](?:[ -~\u0080-\u00FF]{0,253}[!-~\u0080-\u00FF])?$"#]
    /// Up to `max` entries; repeats are allowed and count once.
    public static func array(_ items: JSONValue, max: Int) -> JSONValue { ["type": "array", "items": items, "maxItems": .integer(max)] }
    public static func object(_ properties: [String: JSONValue], required: [String]) -> JSONValue {
        .object(["type": "object", "properties": .object(properties), "required": .array(required.map(JSONValue.string)), "additionalProperties": false])
    }

    /// RFC 9457, with the extension members this service adds where they help a caller act.
    public static let problem: JSONValue = [
        "type": "object",
        "properties": [
            "type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"], "code": ["type": "string"],
            "detail": ["type": "string"], "reason": ["type": "string"], "field": ["type": "string"],
            "missing_ids": uuidList, "discarded_ids": uuidList, "not_production_ids": uuidList,
        ],
        "required": ["type", "title", "status", "code", "detail"],
    ]

    /// RFC 9728 §2, the members this service states.
    public static let protectedResourceMetadata = object([
        "resource": ["type": "string"], "authorization_servers": ["type": "array", "items": ["type": "string"]],
        "bearer_methods_supported": ["type": "array", "items": ["type": "string"]],
    ], required: ["resource", "authorization_servers", "bearer_methods_supported"])

    // MARK: Inputs

    public static let registerDatasetBody = object([
        "name": text(max: 200),
        "uri": ["type": "string", "pattern": .string(Pattern.uri),
                "description": "A URI with a scheme (not javascript, vbscript, data, about or view-source), no white space; 1–2048 characters once trimmed."],
        "checksum": object(["algorithm": ["type": "string", "pattern": .string(Pattern.exactly("sha256"))],
                            "value": ["type": "string", "pattern": .string(Pattern.exactly("[0-9a-f]{64}"))]], required: ["algorithm", "value"]),
        "byte_size": ["type": "integer", "minimum": 0, "maximum": 9_223_372_036_854_775_807],
        "encoding": object(["media_type": ["type": "string", "pattern": .string(Pattern.mediaType), "description": "type/subtype[;parameters], at most 200 characters."],
                            "conforms_to": array(text(max: 2048), max: 16)], required: ["media_type"]),
        "producing_run_id": nullableUUID,
        "subject_id": nullableUUID,
        "derived_from": array(uuid, max: 64),
        "used_calibrations": array(uuid, max: 64),
    ], required: ["name", "uri", "checksum", "byte_size", "encoding"])

    public static let reasonBody = object(["reason": reason], required: ["reason"])
    public static let registerSubjectBody = object(["name": text(max: 200)], required: ["name"])
    public static let startRunBody = object(["name": text(max: 200), "subject_id": nullableUUID], required: ["name"])
    public static let endRunBody = object([
        "end_state": ["type": "string", "pattern": .string(Pattern.exactly("(?:Completed|Aborted|Stopped|Truncated)"))],
        "reason": ["anyOf": [reason, ["type": "null"]]],
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
            "position": ["type": "integer", "minimum": 1], "version": ["type": "integer"], "event_type": ["type": "string"], "payload": ["type": "object"],
            "actor_id": uuid, "correlation_id": uuid, "occurred_at": timestamp, "recorded_at": timestamp,
        ], required: ["position", "version", "event_type", "payload", "actor_id", "correlation_id", "occurred_at", "recorded_at"])],
    ], required: ["dataset_id", "events"])

    /// One event of the change feed (`GET /events`, the `data` of `GET /events/stream`).
    public static let feedEvent = object([
        "position": ["type": "integer", "minimum": 1], "event_id": uuid, "stream_type": ["type": "string", "enum": ["Dataset", "Run", "Subject"]],
        "stream_id": uuid, "version": ["type": "integer", "minimum": 1], "event_type": ["type": "string"], "payload": ["type": "object"],
        "actor_id": uuid, "correlation_id": uuid, "causation_id": nullableUUID, "occurred_at": timestamp, "recorded_at": timestamp,
    ], required: ["position", "event_id", "stream_type", "stream_id", "version", "event_type", "payload", "actor_id", "correlation_id",
                  "causation_id", "occurred_at", "recorded_at"])

    public static let eventPage = object([
        "events": ["type": "array", "items": feedEvent],
        "next_after": ["type": "integer", "minimum": 0],
    ], required: ["events", "next_after"])

    public static let afterParameter: (name: String, schema: JSONValue, description: String) =
        ("after", ["type": "integer", "minimum": 0, "maximum": 9_223_372_036_854_775_807, "default": 0],
         "Events after this position (next_after of the previous page; 0: from the beginning).")
    public static let streamTypeParameter: (name: String, schema: JSONValue, description: String) =
        ("stream_type", ["type": "string", "enum": ["Dataset", "Run", "Subject"]], "Only events of this kind of stream.")

    public static let readEventsParameters: [(name: String, schema: JSONValue, description: String)] = [
        afterParameter,
        ("limit", ["type": "integer", "minimum": 1, "maximum": 1000, "default": 100], "At most this many events."),
        streamTypeParameter,
    ]

    public static let eventStreamParameters = [afterParameter, streamTypeParameter]

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
        ("cursor", ["type": "string", "pattern": "^[A-Za-z0-9_-]{43}$"], "next_cursor of the previous page (opaque; only a cursor this service issued is valid)."),
        ("status", ["type": "string", "enum": ["Registered", "Discarded"]], "Only this status."),
        ("producing_run_id", uuid, "Only Datasets of this Run."),
        ("subject_id", uuid, "Only Datasets about this Subject."),
        ("used_calibrations", ["type": "array", "items": uuid, "maxItems": 64], "Every id given must be cited."),
        ("derived_from", uuid, "Only the Datasets directly derived from this one."),
    ]

    public static let asOfParameters: [(name: String, schema: JSONValue, description: String)] = [
        ("as_of_position", ["type": "integer", "minimum": 0, "maximum": 9_223_372_036_854_775_807],
         "Answer as of the events up to this position (at most the latest; not with as_of_time)."),
        ("as_of_time", timestamp, "Answer as of the events recorded at or before this time (not with as_of_position)."),
    ]

    public static let lineageParameters: [(name: String, schema: JSONValue, description: String)] = [
        ("direction", ["type": "string", "enum": ["upstream", "downstream", "both"], "default": "both"], "Ancestors, descendants, or both."),
        ("depth", ["type": "integer", "minimum": 1, "maximum": 10, "default": 3], "How many edges away from the root."),
        ("max_nodes", ["type": "integer", "minimum": 1, "maximum": 2000, "default": 500], "At most this many nodes, the root included."),
    ] + asOfParameters

    public static let impactParameters: [(name: String, schema: JSONValue, description: String)] = [
        ("depth", ["type": "integer", "minimum": 0, "maximum": 10, "default": 3], "How far below the citing Datasets (0: only those)."),
        ("max_nodes", ["type": "integer", "minimum": 1, "maximum": 2000, "default": 500], "At most this many nodes."),
    ] + asOfParameters

    public static let provParameters: [(name: String, schema: JSONValue, description: String)] = [
        ("format", ["type": "string", "enum": ["prov-json", "prov-jsonld", "prov-o"], "default": "prov-json"],
         "PROV-JSON (application/json), PROV-JSONLD or PROV-O as JSON-LD (application/ld+json)."),
        ("depth", ["type": "integer", "minimum": 0, "maximum": 10, "default": 10], "How many generations of ancestors to include."),
    ] + asOfParameters

    public static let exportParameters: [(name: String, schema: JSONValue, description: String)] = [
        ("format", ["type": "string", "enum": ["prov-json", "prov-jsonld", "prov-o", "ro-crate", "schema-org"]], "The vocabulary to write."),
        ("depth", ["type": "integer", "minimum": 0, "maximum": 10, "default": 10], "PROV formats only: how many generations of ancestors."),
    ] + asOfParameters

    /// A JSON-LD or PROV-JSON document: its shape is the vocabulary's, not this service's.
    public static let document: JSONValue = ["type": "object", "description": "The document in the vocabulary asked for."]

    static let asOf: JSONValue = [
        "type": "object", "additionalProperties": false,
        "properties": ["position": ["type": "integer", "minimum": 0], "time": timestamp],
    ]

    static func graphNode(cites: Bool) -> JSONValue {
        var properties: [String: JSONValue] = [
            "dataset_id": uuid, "name": ["type": "string"], "uri": ["type": "string"],
            "status": ["type": "string", "enum": ["Registered", "Discarded"]], "intent": ["type": "string"],
            "producing_run_id": nullableUUID, "created_at": timestamp, "distance": ["type": "integer"],
        ]
        var required = ["dataset_id", "name", "uri", "status", "intent", "producing_run_id", "created_at", "distance"]
        if cites {
            properties["cites"] = ["type": "boolean"]
            required.append("cites")
        }
        return object(properties, required: required)
    }

    static let graphEdges: JSONValue = ["type": "array", "items": object(["from": uuid, "to": uuid], required: ["from", "to"])]

    public static let lineage = object([
        "root": uuid, "direction": ["type": "string", "enum": ["upstream", "downstream", "both"]], "depth": ["type": "integer"],
        "as_of": asOf, "nodes": ["type": "array", "items": graphNode(cites: false)], "edges": graphEdges, "truncated": ["type": "boolean"],
    ], required: ["root", "direction", "depth", "as_of", "nodes", "edges", "truncated"])

    public static let impact = object([
        "revision_id": uuid, "as_of": asOf, "nodes": ["type": "array", "items": graphNode(cites: true)],
        "edges": graphEdges, "truncated": ["type": "boolean"],
        "counts": object(["citing": ["type": "integer"], "descendants": ["type": "integer"], "production": ["type": "integer"]],
                         required: ["citing", "descendants", "production"]),
    ], required: ["revision_id", "as_of", "nodes", "edges", "truncated", "counts"])
}
