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

    static let all: [CoraTool] = [
        CoraTool(
            name: "register_dataset",
            description: """
                Register a data product (status Registered, intent Trial) and get its dataset_id. Give the same \
                idempotency_key to retry safely: the same request answers the first result again. Optional links: \
                producing_run_id (must exist; its end state is captured), subject_id (must exist), derived_from \
                (existing, not Discarded Datasets), used_calibrations (calibration revision ids, not checked).
                """,
            inputSchema: Schema.registerDatasetBody.addingProperty("idempotency_key", idempotencyKeySchema, required: true),
            outputSchema: Schema.created("dataset_id"), readOnly: false
        ) { arguments, caller, handlers in
            try handlers.dependencies.authorize(.registerDataset, caller)
            let key = try arguments.idempotencyKey()
            return try await handlers.registerDataset.handle(body: arguments.body(excluding: ["idempotency_key"]), idempotencyKey: key, caller: caller).body
        },
        CoraTool(
            name: "promote_dataset",
            description: "Promote a Dataset's intent from Trial to Production with an audit reason. Refused when it is Discarded or Retracted, when its producing Run did not end Completed, or when a derived_from Dataset is not in Production. Returns the Dataset after the change.",
            inputSchema: Schema.reasonBody.addingProperty("dataset_id", Schema.uuid, required: true), outputSchema: Schema.dataset, readOnly: false
        ) { arguments, caller, handlers in
            try await handlers.promoteDataset.handle(datasetID: arguments.pathParameter("dataset_id"), body: arguments.body(excluding: ["dataset_id"]), caller: caller).representation
        },
        CoraTool(
            name: "demote_dataset",
            description: "Retract a Production Dataset (intent Production → Retracted, terminal) with an audit reason. A Trial Dataset cannot be demoted: discard it instead. Returns the Dataset after the change.",
            inputSchema: Schema.reasonBody.addingProperty("dataset_id", Schema.uuid, required: true), outputSchema: Schema.dataset, readOnly: false
        ) { arguments, caller, handlers in
            try await handlers.demoteDataset.handle(datasetID: arguments.pathParameter("dataset_id"), body: arguments.body(excluding: ["dataset_id"]), caller: caller).representation
        },
        CoraTool(
            name: "discard_dataset",
            description: "Record that a Dataset's bytes were deleted from storage (status Registered → Discarded, terminal); the record and reason are kept. Delete the bytes first. Returns the Dataset after the change.",
            inputSchema: Schema.reasonBody.addingProperty("dataset_id", Schema.uuid, required: true), outputSchema: Schema.dataset, readOnly: false
        ) { arguments, caller, handlers in
            try await handlers.discardDataset.handle(datasetID: arguments.pathParameter("dataset_id"), body: arguments.body(excluding: ["dataset_id"]), caller: caller).representation
        },
        CoraTool(
            name: "get_dataset",
            description: "The Dataset as its events fold: metadata, lineage, status, intent, version.",
            inputSchema: Schema.object(["dataset_id": Schema.uuid], required: ["dataset_id"]), outputSchema: Schema.dataset, readOnly: true
        ) { arguments, caller, handlers in
            try handlers.dependencies.authorize(.getDataset, caller)
            try arguments.rejectUnknown(allowing: ["dataset_id"])
            return try await handlers.getDataset.handle(datasetID: arguments.pathParameter("dataset_id"), caller: caller).representation
        },
        CoraTool(
            name: "get_dataset_history",
            description: "The Dataset's audit log: every event in order, with who (actor_id), why (reason) and when.",
            inputSchema: Schema.object(["dataset_id": Schema.uuid], required: ["dataset_id"]), outputSchema: Schema.datasetHistory, readOnly: true
        ) { arguments, caller, handlers in
            try handlers.dependencies.authorize(.getDatasetHistory, caller)
            try arguments.rejectUnknown(allowing: ["dataset_id"])
            return try await handlers.getDatasetHistory.handle(datasetID: arguments.pathParameter("dataset_id"), caller: caller).representation
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
        CoraTool(
            name: "register_subject",
            description: "Register a Subject (the sample or specimen a Dataset is about) and get its subject_id. idempotency_key is optional.",
            inputSchema: Schema.registerSubjectBody.addingProperty("idempotency_key", idempotencyKeySchema, required: false),
            outputSchema: Schema.created("subject_id"), readOnly: false
        ) { arguments, caller, handlers in
            try handlers.dependencies.authorize(.registerSubject, caller)
            let key = try arguments.idempotencyKey()
            return try await handlers.registerSubject.handle(body: arguments.body(excluding: ["idempotency_key"]), idempotencyKey: key, caller: caller).body
        },
        CoraTool(
            name: "get_subject",
            description: "A Subject.",
            inputSchema: Schema.object(["subject_id": Schema.uuid], required: ["subject_id"]), outputSchema: Schema.subject, readOnly: true
        ) { arguments, caller, handlers in
            try handlers.dependencies.authorize(.getSubject, caller)
            try arguments.rejectUnknown(allowing: ["subject_id"])
            return try await handlers.getSubject.handle(subjectID: arguments.pathParameter("subject_id"), caller: caller).representation
        },
        CoraTool(
            name: "start_run",
            description: "Start a Run (an acquisition or processing run), optionally about a Subject; status Running. idempotency_key is optional.",
            inputSchema: Schema.startRunBody.addingProperty("idempotency_key", idempotencyKeySchema, required: false),
            outputSchema: Schema.created("run_id"), readOnly: false
        ) { arguments, caller, handlers in
            try handlers.dependencies.authorize(.startRun, caller)
            let key = try arguments.idempotencyKey()
            return try await handlers.startRun.handle(body: arguments.body(excluding: ["idempotency_key"]), idempotencyKey: key, caller: caller).body
        },
        CoraTool(
            name: "end_run",
            description: "End a Running Run in Completed, Aborted, Stopped or Truncated. Only Datasets of a Completed Run can be promoted. Returns the Run after the change.",
            inputSchema: Schema.endRunBody.addingProperty("run_id", Schema.uuid, required: true), outputSchema: Schema.run, readOnly: false
        ) { arguments, caller, handlers in
            try await handlers.endRun.handle(runID: arguments.pathParameter("run_id"), body: arguments.body(excluding: ["run_id"]), caller: caller).representation
        },
        CoraTool(
            name: "get_run",
            description: "A Run and its status.",
            inputSchema: Schema.object(["run_id": Schema.uuid], required: ["run_id"]), outputSchema: Schema.run, readOnly: true
        ) { arguments, caller, handlers in
            try handlers.dependencies.authorize(.getRun, caller)
            try arguments.rejectUnknown(allowing: ["run_id"])
            return try await handlers.getRun.handle(runID: arguments.pathParameter("run_id"), caller: caller).representation
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
