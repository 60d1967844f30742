import CoraData
import CoraKernel
import CoraWire
import Foundation
import MCP

/// One MCP tool per slice: its name, what an agent needs to know to call it, its input and output
/// schemas (the REST body's, from `Schema`), and the translation of its arguments into the slice's wire
/// request, which the same runner as REST executes.
struct CoraTool: Sendable {
    let name: String
    let description: String
    let inputSchema: JSONValue
    let outputSchema: JSONValue
    let readOnly: Bool
    let run: @Sendable ([String: JSONValue], ToolEnvironment, Identify) async throws -> JSONValue

    var definition: Tool {
        Tool(name: name, description: description, inputSchema: inputSchema.mcpValue,
             annotations: .init(readOnlyHint: readOnly, destructiveHint: false, openWorldHint: false),
             outputSchema: outputSchema.mcpValue)
    }
}

/// What a tool call runs with: the runner, and what exports need to write their links.
public struct ToolEnvironment: Sendable {
    public let runner: SliceRunner
    public let exports: ExportSettings
    /// Where the client reached the service, when it came over HTTP.
    public let requestBase: String?

    public init(runner: SliceRunner, exports: ExportSettings, requestBase: String?) {
        self.runner = runner
        self.exports = exports
        self.requestBase = requestBase
    }
}

/// A path parameter from the arguments as REST would see it: a non-string is malformed (422) just as a bad path is.
private func pathParameters(_ names: [String], in arguments: [String: JSONValue]) -> [String: String] {
    var path: [String: String] = [:]
    for name in names {
        if case .string(let text)? = arguments[name] { path[name] = text } else { path[name] = "" }
    }
    return path
}

enum CoraTools {
    static let byName: [String: CoraTool] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// A command: the body's members as arguments, plus the path parameter and the idempotency key where
    /// the slice takes them.
    static func command<Command, Output>(
        _ name: String, _ description: String, _ slice: Slice<WireRequest, Command, Output>, path: [String] = [],
        body: JSONValue, output: JSONValue, _ represent: @escaping @Sendable (Output) -> JSONValue
    ) -> CoraTool {
        var input = body
        for parameter in path { input = input.addingProperty(parameter, Schema.uuid, required: true) }
        if slice.key != .none { input = input.addingProperty("idempotency_key", Schema.idempotencyKeyArgument, required: slice.key == .required) }
        let separate = Set(path + ["idempotency_key"])
        // Every command's result also says the position it reached, for read-your-writes.
        let withPosition = output.addingProperty("position", ["type": "integer", "minimum": 0], required: true)
        return CoraTool(name: name, description: description, inputSchema: input, outputSchema: withPosition, readOnly: false) { arguments, environment, identify in
            let request = WireRequest(
                path: pathParameters(path, in: arguments),
                body: .json(.object(arguments.filter { !separate.contains($0.key) })),
                idempotencyKey: slice.key == .none ? .absent : IdempotencyKeyInput(argument: arguments["idempotency_key"]))
            let (result, position) = try await environment.runner.runCommand(slice, request, identify: identify)
            guard case .object(var members) = represent(result) else { return represent(result) }
            members["position"] = .integer(position)
            return .object(members)
        }
    }

    /// A query: the path parameter and the REST query parameters as arguments.
    static func query<Query, Output>(
        _ name: String, _ description: String, _ slice: Slice<WireRequest, Query, Output>, path: [String] = [],
        parameters: [String: JSONValue] = [:], required: [String] = [], output: JSONValue, _ represent: @escaping @Sendable (Output) -> JSONValue
    ) -> CoraTool {
        queryWithEnvironment(name, description, slice, path: path, parameters: parameters, required: required, output: output) { output, _ in represent(output) }
    }

    static func queryWithEnvironment<Query, Output>(
        _ name: String, _ description: String, _ slice: Slice<WireRequest, Query, Output>, path: [String] = [],
        parameters: [String: JSONValue] = [:], required: [String] = [], output: JSONValue,
        _ represent: @escaping @Sendable (Output, ToolEnvironment) -> JSONValue
    ) -> CoraTool {
        var properties = parameters
        for parameter in path { properties[parameter] = Schema.uuid }
        return CoraTool(name: name, description: description, inputSchema: Schema.object(properties, required: path + required), outputSchema: output,
                        readOnly: true) { arguments, environment, identify in
            let request = WireRequest(path: pathParameters(path, in: arguments),
                                      parameters: .arguments(arguments.filter { !path.contains($0.key) }))
            return represent(try await environment.runner.run(slice, request, identify: identify), environment)
        }
    }

    static func properties(_ parameters: [(name: String, schema: JSONValue, description: String)]) -> [String: JSONValue] {
        Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.schema) })
    }

    static let all: [CoraTool] = [
        command("register_dataset", """
            Register a data product (status Registered, intent Trial) and get its dataset_id. Give the same \
            idempotency_key to retry safely: the same request answers the first result again. Optional links: \
            producing_run_id (must exist; its end state is captured), subject_id (must exist), derived_from \
            (existing, not Discarded Datasets), used_calibrations (calibration revision ids, not checked).
            """, Slices.registerDataset, body: Schema.registerDatasetBody, output: Schema.created("dataset_id")) {
            createdBody("dataset_id", $0.datasetID)
        },
        command("promote_dataset", "Promote a Dataset's intent from Trial to Production with an audit reason. Refused when it is Discarded or Retracted, when its producing Run did not end Completed, or when a derived_from Dataset is not in Production. Returns the Dataset after the change.",
                Slices.promoteDataset, path: ["dataset_id"], body: Schema.reasonBody, output: Schema.dataset) { $0.representation },
        command("demote_dataset", "Retract a Production Dataset (intent Production → Retracted, terminal) with an audit reason. A Trial Dataset cannot be demoted: discard it instead. Returns the Dataset after the change.",
                Slices.demoteDataset, path: ["dataset_id"], body: Schema.reasonBody, output: Schema.dataset) { $0.representation },
        command("discard_dataset", "Record that a Dataset's bytes were deleted from storage (status Registered → Discarded, terminal); the record and reason are kept. Delete the bytes first. Returns the Dataset after the change.",
                Slices.discardDataset, path: ["dataset_id"], body: Schema.reasonBody, output: Schema.dataset) { $0.representation },
        query("get_dataset", "The Dataset as its events fold: metadata, lineage, status, intent, version.",
              Slices.getDataset, path: ["dataset_id"], output: Schema.dataset) { $0.representation },
        query("get_dataset_history", "The Dataset's audit log: every event in order, with who (actor_id), why (reason) and when.",
              Slices.getDatasetHistory, path: ["dataset_id"], output: Schema.datasetHistory) { $0.representation },
        query("list_datasets", "Datasets oldest first, a page at a time: pass next_cursor back as cursor. Filters: status, producing_run_id, subject_id, used_calibrations (every id given must be cited), derived_from (direct children of a Dataset).",
              Slices.listDatasets, parameters: Self.properties(Schema.listDatasetsParameters),
              output: Schema.datasetPage) { $0.representation },
        query("get_dataset_lineage", """
            The lineage of a Dataset: what it was derived from (upstream), what was derived from it (downstream), or both, up to \
            depth edges away and max_nodes nodes, as of a point of the log (as_of_position or as_of_time) or now. Nodes carry their \
            distance (negative upstream) and their status and intent as of that point.
            """, Slices.getDatasetLineage, path: ["dataset_id"], parameters: Self.properties(Schema.lineageParameters), output: Schema.lineage) { $0.representation },
        query("get_calibration_impact", """
            What a calibration revision touches, for when it is found to drift: every Dataset citing it (distance 1, cites true) and \
            the Datasets derived from those, to a depth; counts.production is the review list (Datasets in Production).
            """, Slices.getCalibrationImpact, path: ["revision_id"], parameters: Self.properties(Schema.impactParameters), output: Schema.impact) { $0.representation },
        query("read_events", """
            The change feed: committed events after a position (after, default 0), in position order, at most limit (1..1000) and \
            optionally of one stream_type (Dataset, Run, Subject). Pass next_after back as after to read on: a consumer that does \
            sees every event exactly once.
            """, Slices.readEvents, parameters: Self.properties(Schema.readEventsParameters), output: Schema.eventPage) { $0.representation },
        queryWithEnvironment("export_dataset", """
            The Dataset in a vocabulary other tools read: format prov-json, prov-jsonld or prov-o (W3C PROV of it and its \
            ancestors up to depth), ro-crate (an RO-Crate 1.2 metadata document) or schema-org (a schema.org/DCAT Dataset). \
            Optionally as of a point of the log (as_of_position or as_of_time).
            """, Slices.exportDataset, path: ["dataset_id"], parameters: Self.properties(Schema.exportParameters), required: ["format"],
            output: Schema.document) { document, environment in document.render(environment.exports, requestBase: environment.requestBase) },
        command("register_subject", "Register a Subject (the sample or specimen a Dataset is about) and get its subject_id. idempotency_key is optional.",
                Slices.registerSubject, body: Schema.registerSubjectBody, output: Schema.created("subject_id")) { createdBody("subject_id", $0.id) },
        query("get_subject", "A Subject.", Slices.getSubject, path: ["subject_id"], output: Schema.subject) { $0.representation },
        command("start_run", "Start a Run (an acquisition or processing run), optionally about a Subject; status Running. idempotency_key is optional.",
                Slices.startRun, body: Schema.startRunBody, output: Schema.created("run_id")) { createdBody("run_id", $0.id) },
        command("end_run", "End a Running Run in Completed, Aborted, Stopped or Truncated. Only Datasets of a Completed Run can be promoted. Returns the Run after the change.",
                Slices.endRun, path: ["run_id"], body: Schema.endRunBody, output: Schema.run) { $0.representation },
        query("get_run", "A Run and its status.", Slices.getRun, path: ["run_id"], output: Schema.run) { $0.representation },
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
