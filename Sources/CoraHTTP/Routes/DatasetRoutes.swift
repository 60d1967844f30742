import CoraData
import CoraKernel
import Foundation
import HTTPTypes
import Hummingbird

// One endpoint per Dataset slice; each only translates HTTP to its handler and back.

private let nullableUUID: JSONValue = ["type": ["string", "null"], "format": "uuid"]
private let timestamp: JSONValue = ["type": "string", "format": "date-time"]
private let uuidList: JSONValue = ["type": "array", "items": Schema.uuid]

private let datasetRepresentation = Schema.object([
    "id": Schema.uuid, "name": ["type": "string"], "uri": ["type": "string"],
    "checksum": Schema.object(["algorithm": ["type": "string"], "value": ["type": "string"]], required: ["algorithm", "value"]),
    "byte_size": ["type": "integer"],
    "encoding": Schema.object(["media_type": ["type": "string"], "conforms_to": ["type": "array", "items": ["type": "string"]]], required: ["media_type", "conforms_to"]),
    "producing_run_id": nullableUUID,
    "producing_run_end_state": ["type": ["string", "null"], "enum": ["Completed", "Aborted", "Stopped", "Truncated", .null]],
    "subject_id": nullableUUID, "derived_from": uuidList, "used_calibrations": uuidList,
    "status": ["type": "string", "enum": ["Registered", "Discarded"]],
    "intent": ["type": "string", "description": "Trial, Production or Retracted (open set: new values may appear)"],
    "created_at": timestamp, "updated_at": timestamp, "version": ["type": "integer", "minimum": 1],
], required: ["id", "name", "uri", "checksum", "byte_size", "encoding", "producing_run_id", "producing_run_end_state", "subject_id",
              "derived_from", "used_calibrations", "status", "intent", "created_at", "updated_at", "version"])

private let historyRepresentation = Schema.object([
    "dataset_id": Schema.uuid,
    "events": ["type": "array", "items": Schema.object([
        "version": ["type": "integer"], "event_type": ["type": "string"], "payload": ["type": "object"],
        "actor_id": Schema.uuid, "correlation_id": Schema.uuid, "occurred_at": timestamp, "recorded_at": timestamp,
    ], required: ["version", "event_type", "payload", "actor_id", "correlation_id", "occurred_at", "recorded_at"])],
], required: ["dataset_id", "events"])

private let listItem = Schema.object([
    "dataset_id": Schema.uuid, "name": ["type": "string"], "uri": ["type": "string"], "producing_run_id": nullableUUID,
    "subject_id": nullableUUID, "status": ["type": "string", "enum": ["Registered", "Discarded"]], "used_calibrations": uuidList,
    "created_at": timestamp,
], required: ["dataset_id", "name", "uri", "producing_run_id", "subject_id", "status", "used_calibrations", "created_at"])

extension Endpoints {
    static let registerDataset = Endpoint(.post, "/datasets", OpenAPIOperation(
        "RegisterDataset", "Register a Dataset (status Registered, intent Trial).",
        headers: [("Idempotency-Key", true, "Required; 1–255 characters, scoped to the principal.")],
        requestSchema: RegisterDatasetSchema.body,
        responses: [(201, "Registered; Location names the new Dataset.", Schema.object(["dataset_id": Schema.uuid], required: ["dataset_id"]))]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        let result = try await services.registerDataset.handle(body: body, idempotencyKey: request.headers[.idempotencyKey], caller: caller)
        var headers: HTTPFields = [.location: "/datasets/\(result.datasetID.lowercased)"]
        if result.replayed { headers[.idempotentReplayed] = "true" }
        return Responses.json(result.body, status: .created, headers: headers)
    }

    static let promoteDataset = Endpoint(.post, "/datasets/{dataset_id}/promote", OpenAPIOperation(
        "PromoteDataset", "Promote a Dataset's intent from Trial to Production, with an audit reason.",
        pathParameters: ["dataset_id"], requestSchema: Schema.reasonBody, responses: [(204, "Promoted.", nil)]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        _ = try await services.promoteDataset.handle(datasetID: RequestInput.parameter(context, "dataset_id"), body: body, caller: caller)
        return Responses.noContent()
    }

    static let demoteDataset = Endpoint(.post, "/datasets/{dataset_id}/demote", OpenAPIOperation(
        "DemoteDataset", "Demote a Dataset's intent from Production to Retracted, with an audit reason.",
        pathParameters: ["dataset_id"], requestSchema: Schema.reasonBody, responses: [(204, "Demoted.", nil)]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        _ = try await services.demoteDataset.handle(datasetID: RequestInput.parameter(context, "dataset_id"), body: body, caller: caller)
        return Responses.noContent()
    }

    static let discardDataset = Endpoint(.post, "/datasets/{dataset_id}/discard", OpenAPIOperation(
        "DiscardDataset", "Record that a Dataset's bytes were deleted (status Discarded); the record is kept.",
        pathParameters: ["dataset_id"], requestSchema: Schema.reasonBody, responses: [(204, "Discarded.", nil)]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        _ = try await services.discardDataset.handle(datasetID: RequestInput.parameter(context, "dataset_id"), body: body, caller: caller)
        return Responses.noContent()
    }

    static let getDataset = Endpoint(.get, "/datasets/{dataset_id}", OpenAPIOperation(
        "GetDataset", "The Dataset folded from its events; ETag is its version.",
        pathParameters: ["dataset_id"], responses: [(200, "The Dataset.", datasetRepresentation)]
    )) { request, context, services in
        let dataset = try await services.getDataset.handle(datasetID: RequestInput.parameter(context, "dataset_id"), caller: RequestInput.caller(request, context))
        return Responses.json(dataset.representation, headers: [.eTag: "\"\(dataset.version)\""])
    }

    static let getDatasetHistory = Endpoint(.get, "/datasets/{dataset_id}/history", OpenAPIOperation(
        "GetDatasetHistory", "The Dataset's audit log: every event in version order.",
        pathParameters: ["dataset_id"], responses: [(200, "The events.", historyRepresentation)]
    )) { request, context, services in
        let history = try await services.getDatasetHistory.handle(datasetID: RequestInput.parameter(context, "dataset_id"), caller: RequestInput.caller(request, context))
        return Responses.json(history.representation)
    }

    static let listDatasets = Endpoint(.get, "/datasets", OpenAPIOperation(
        "ListDatasets", "Datasets in (created_at, dataset_id) order, keyset-paginated with an opaque cursor.",
        queryParameters: [
            ("limit", ["type": "integer", "minimum": 1, "maximum": 100, "default": 50], "Page size."),
            ("cursor", ["type": "string"], "next_cursor of the previous page."),
            ("status", ["type": "string", "enum": ["Registered", "Discarded"]], "Only this status."),
            ("producing_run_id", Schema.uuid, "Only Datasets of this Run."),
            ("subject_id", Schema.uuid, "Only Datasets about this Subject."),
            ("used_calibrations", ["type": "array", "items": Schema.uuid], "Repeatable; every id given must be cited."),
        ],
        responses: [(200, "A page.", Schema.object(["items": ["type": "array", "items": listItem], "next_cursor": ["type": ["string", "null"]]],
                                                   required: ["items", "next_cursor"]))]
    )) { request, context, services in
        let page = try await services.listDatasets.handle(query: RequestInput.queryPairs(request), caller: RequestInput.caller(request, context))
        return Responses.json(page.representation)
    }
}

/// The RegisterDataset body as JSON Schema, with the contract's constraints.
enum RegisterDatasetSchema {
    static let body = Schema.object([
        "name": Schema.string(max: 200),
        "uri": Schema.string(max: 2048),
        "checksum": Schema.object(["algorithm": ["type": "string", "enum": ["sha256"]],
                                   "value": ["type": "string", "pattern": "^[0-9a-f]{64}$"]], required: ["algorithm", "value"]),
        "byte_size": ["type": "integer", "minimum": 0, "maximum": 9_223_372_036_854_775_807],
        "encoding": Schema.object(["media_type": Schema.string(max: 200),
                                   "conforms_to": Schema.array(Schema.string(max: 2048), max: 16)], required: ["media_type"]),
        "producing_run_id": ["type": ["string", "null"], "format": "uuid"],
        "subject_id": ["type": ["string", "null"], "format": "uuid"],
        "derived_from": Schema.array(Schema.uuid, max: 64),
        "used_calibrations": Schema.array(Schema.uuid, max: 64),
    ], required: ["name", "uri", "checksum", "byte_size", "encoding"])
}
