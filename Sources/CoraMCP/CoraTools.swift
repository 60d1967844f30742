import CoraData
import CoraKernel
import Foundation
import MCP

/// One MCP tool per slice: its name, what an agent needs to know to call it, its input and output
/// schemas (the REST body's, from `Schema`), and the translation to and from the slice's handler.
struct CoraTool: Sendable {
    let name: String
    let description: String
    let inputSchema: JSONValue
    let outputSchema: JSONValue
    let readOnly: Bool
    let run: @Sendable (ToolArguments, CallContext, SliceHandlers) async throws -> JSONValue

    var definition: Tool {
        Tool(name: name, description: description, inputSchema: inputSchema.mcpValue,
             annotations: .init(readOnlyHint: readOnly, destructiveHint: false, openWorldHint: false),
             outputSchema: outputSchema.mcpValue)
    }
}

/// A tool call's arguments: the REST body's members plus the path parameter and, for registration,
/// the idempotency key.
struct ToolArguments: Sendable {
    let members: [String: JSONValue]

    /// A path parameter as REST would see it: a non-string is malformed (422) just as a bad path is.
    func pathParameter(_ name: String) -> String {
        guard case .string(let text)? = members[name] else { return "" }
        return text
    }

    /// The members that form the command body, for the handler's own shape check.
    func body(excluding names: Set<String>) -> CommandBody {
        .json(.object(members.filter { !names.contains($0.key) }))
    }

    /// For queries, which take no body: anything but the named parameters is an unknown member.
    func rejectUnknown(allowing names: Set<String>) throws(RequestError) {
        if let unknown = members.keys.filter({ !names.contains($0) }).sorted().first {
            throw .invalidRequest(field: unknown, detail: "\(unknown) is not a known argument.")
        }
    }

    /// An optional string argument (the idempotency keys); anything else is refused as the key error.
    func idempotencyKey() throws(IdempotencyError) -> String? {
        switch members["idempotency_key"] {
        case nil, .null?: return nil
        case .string(let key)?: return key
        default: throw .invalid("idempotency_key must be a string.")
        }
    }

    /// ListDatasets takes its query parameters as arguments: `used_calibrations` an array, `limit` a number.
    func queryPairs() throws(RequestError) -> [(name: String, value: String)] {
        var pairs: [(name: String, value: String)] = []
        for (name, value) in members.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .null: continue
            case .string(let text): pairs.append((name, text))
            case .number(let literal) where name == "limit": pairs.append((name, literal))
            case .array(let elements) where name == "used_calibrations":
                for element in elements {
                    guard case .string(let text) = element else {
                        throw .invalidRequest(field: name, detail: "used_calibrations must be an array of UUID strings.")
                    }
                    pairs.append((name, text))
                }
            default:
                throw .invalidRequest(field: name, detail: "\(name) has the wrong type (\(value.kindName)).")
            }
        }
        return pairs
    }
}

enum CoraTools {
    static let byName: [String: CoraTool] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    static let idempotencyKeySchema = Schema.string(max: 255)

    /// A create slice: the body's members plus `idempotency_key` (required by the handler where the
    /// contract requires it), answered with the new id.
    static func create(
        _ name: String, _ description: String, _ operation: OperationName, body: JSONValue, keyRequired: Bool, idMember: String,
        _ handle: @escaping @Sendable (SliceHandlers, CommandBody, String?, CallContext) async throws -> JSONValue
    ) -> CoraTool {
        CoraTool(name: name, description: description,
                 inputSchema: body.addingProperty("idempotency_key", idempotencyKeySchema, required: keyRequired),
                 outputSchema: Schema.created(idMember), readOnly: false) { arguments, caller, handlers in
            // Authorization comes before the key's shape, as on REST.
            try handlers.dependencies.authorize(operation, caller)
            let key = try arguments.idempotencyKey()
            return try await handle(handlers, arguments.body(excluding: ["idempotency_key"]), key, caller)
        }
    }

    /// A command on one entity: its id plus the body's members, answered with the entity after the change.
    static func change(
        _ name: String, _ description: String, id parameter: String, body: JSONValue, output: JSONValue,
        _ handle: @escaping @Sendable (SliceHandlers, String, CommandBody, CallContext) async throws -> JSONValue
    ) -> CoraTool {
        CoraTool(name: name, description: description, inputSchema: body.addingProperty(parameter, Schema.uuid, required: true),
                 outputSchema: output, readOnly: false) { arguments, caller, handlers in
            try await handle(handlers, arguments.pathParameter(parameter), arguments.body(excluding: [parameter]), caller)
        }
    }

    /// A query by id, which takes nothing else.
    static func lookup(
        _ name: String, _ description: String, _ operation: OperationName, id parameter: String, output: JSONValue,
        _ fetch: @escaping @Sendable (SliceHandlers, String, CallContext) async throws -> JSONValue
    ) -> CoraTool {
        CoraTool(name: name, description: description, inputSchema: Schema.object([parameter: Schema.uuid], required: [parameter]),
                 outputSchema: output, readOnly: true) { arguments, caller, handlers in
            try handlers.dependencies.authorize(operation, caller)
            try arguments.rejectUnknown(allowing: [parameter])
            return try await fetch(handlers, arguments.pathParameter(parameter), caller)
        }
    }

    static let all: [CoraTool] = [
        create("register_dataset", """
            Register a data product (status Registered, intent Trial) and get its dataset_id. Give the same \
            idempotency_key to retry safely: the same request answers the first result again. Optional links: \
            producing_run_id (must exist; its end state is captured), subject_id (must exist), derived_from \
            (existing, not Discarded Datasets), used_calibrations (calibration revision ids, not checked).
            """, .registerDataset, body: Schema.registerDatasetBody, keyRequired: true, idMember: "dataset_id") { handlers, body, key, caller in
            try await handlers.registerDataset.handle(body: body, idempotencyKey: key, caller: caller).body
        },
        change("promote_dataset", "Promote a Dataset's intent from Trial to Production with an audit reason. Refused when it is Discarded or Retracted, when its producing Run did not end Completed, or when a derived_from Dataset is not in Production. Returns the Dataset after the change.",
               id: "dataset_id", body: Schema.reasonBody, output: Schema.dataset) { handlers, id, body, caller in
            try await handlers.promoteDataset.handle(datasetID: id, body: body, caller: caller).representation
        },
        change("demote_dataset", "Retract a Production Dataset (intent Production → Retracted, terminal) with an audit reason. A Trial Dataset cannot be demoted: discard it instead. Returns the Dataset after the change.",
               id: "dataset_id", body: Schema.reasonBody, output: Schema.dataset) { handlers, id, body, caller in
            try await handlers.demoteDataset.handle(datasetID: id, body: body, caller: caller).representation
        },
        change("discard_dataset", "Record that a Dataset's bytes were deleted from storage (status Registered → Discarded, terminal); the record and reason are kept. Delete the bytes first. Returns the Dataset after the change.",
               id: "dataset_id", body: Schema.reasonBody, output: Schema.dataset) { handlers, id, body, caller in
            try await handlers.discardDataset.handle(datasetID: id, body: body, caller: caller).representation
        },
        lookup("get_dataset", "The Dataset as its events fold: metadata, lineage, status, intent, version.",
               .getDataset, id: "dataset_id", output: Schema.dataset) { handlers, id, caller in
            try await handlers.getDataset.handle(datasetID: id, caller: caller).representation
        },
        lookup("get_dataset_history", "The Dataset's audit log: every event in order, with who (actor_id), why (reason) and when.",
               .getDatasetHistory, id: "dataset_id", output: Schema.datasetHistory) { handlers, id, caller in
            try await handlers.getDatasetHistory.handle(datasetID: id, caller: caller).representation
        },
        CoraTool(
            name: "list_datasets",
            description: "Datasets oldest first, a page at a time: pass next_cursor back as cursor. Filters: status, producing_run_id, subject_id, used_calibrations (every id given must be cited).",
            inputSchema: Schema.object(Dictionary(uniqueKeysWithValues: Schema.listDatasetsParameters.map { ($0.name, $0.schema) }), required: []),
            outputSchema: Schema.datasetPage, readOnly: true
        ) { arguments, caller, handlers in
            try handlers.dependencies.authorize(.listDatasets, caller)
            return try await handlers.listDatasets.handle(query: try arguments.queryPairs(), caller: caller).representation
        },
        create("register_subject", "Register a Subject (the sample or specimen a Dataset is about) and get its subject_id. idempotency_key is optional.",
               .registerSubject, body: Schema.registerSubjectBody, keyRequired: false, idMember: "subject_id") { handlers, body, key, caller in
            try await handlers.registerSubject.handle(body: body, idempotencyKey: key, caller: caller).body
        },
        lookup("get_subject", "A Subject.", .getSubject, id: "subject_id", output: Schema.subject) { handlers, id, caller in
            try await handlers.getSubject.handle(subjectID: id, caller: caller).representation
        },
        create("start_run", "Start a Run (an acquisition or processing run), optionally about a Subject; status Running. idempotency_key is optional.",
               .startRun, body: Schema.startRunBody, keyRequired: false, idMember: "run_id") { handlers, body, key, caller in
            try await handlers.startRun.handle(body: body, idempotencyKey: key, caller: caller).body
        },
        change("end_run", "End a Running Run in Completed, Aborted, Stopped or Truncated. Only Datasets of a Completed Run can be promoted. Returns the Run after the change.",
               id: "run_id", body: Schema.endRunBody, output: Schema.run) { handlers, id, body, caller in
            try await handlers.endRun.handle(runID: id, body: body, caller: caller).representation
        },
        lookup("get_run", "A Run and its status.", .getRun, id: "run_id", output: Schema.run) { handlers, id, caller in
            try await handlers.getRun.handle(runID: id, caller: caller).representation
        },
    ]
}

extension JSONValue {
    /// An object schema with one more property (a path parameter, an idempotency key).
    func addingProperty(_ name: String, _ schema: JSONValue, required: Bool) -> JSONValue {
        guard case .object(var members) = self, case .object(var properties)? = members["properties"],
              case .array(let requiredNames)? = members["required"] else { return self }
        properties[name] = schema
        members["properties"] = .object(properties)
        if required { members["required"] = .array(requiredNames + [.string(name)]) }
        return .object(members)
    }
}
