import CoraData
import CoraKernel
import Foundation
import HTTPTypes
import Hummingbird

// One endpoint per Dataset slice; each only translates HTTP to its handler and back.

extension Endpoints {
    static let registerDataset = Endpoint(.post, "/datasets", OpenAPIOperation(
        "RegisterDataset", "Register a Dataset (status Registered, intent Trial).",
        headers: [("Idempotency-Key", true, "Required; 1–255 characters, scoped to the principal.")],
        requestSchema: Schema.registerDatasetBody,
        responses: [(201, "Registered; Location names the new Dataset.", Schema.created("dataset_id"))]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        let result = try await services.handlers.registerDataset.handle(body: body, idempotencyKey: request.headers[.idempotencyKey], caller: caller)
        var headers: HTTPFields = [.location: "/datasets/\(result.datasetID.lowercased)"]
        if result.replayed { headers[.idempotentReplayed] = "true" }
        return Responses.json(result.body, status: .created, headers: headers)
    }

    static let promoteDataset = Endpoint(.post, "/datasets/{dataset_id}/promote", OpenAPIOperation(
        "PromoteDataset", "Promote a Dataset's intent from Trial to Production, with an audit reason.",
        pathParameters: ["dataset_id"], requestSchema: Schema.reasonBody, responses: [(204, "Promoted.", nil)]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        _ = try await services.handlers.promoteDataset.handle(datasetID: RequestInput.parameter(context, "dataset_id"), body: body, caller: caller)
        return Responses.noContent()
    }

    static let demoteDataset = Endpoint(.post, "/datasets/{dataset_id}/demote", OpenAPIOperation(
        "DemoteDataset", "Demote a Dataset's intent from Production to Retracted, with an audit reason.",
        pathParameters: ["dataset_id"], requestSchema: Schema.reasonBody, responses: [(204, "Demoted.", nil)]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        _ = try await services.handlers.demoteDataset.handle(datasetID: RequestInput.parameter(context, "dataset_id"), body: body, caller: caller)
        return Responses.noContent()
    }

    static let discardDataset = Endpoint(.post, "/datasets/{dataset_id}/discard", OpenAPIOperation(
        "DiscardDataset", "Record that a Dataset's bytes were deleted (status Discarded); the record is kept.",
        pathParameters: ["dataset_id"], requestSchema: Schema.reasonBody, responses: [(204, "Discarded.", nil)]
    )) { request, context, services in
        let (body, caller) = try await RequestInput.command(request, context)
        _ = try await services.handlers.discardDataset.handle(datasetID: RequestInput.parameter(context, "dataset_id"), body: body, caller: caller)
        return Responses.noContent()
    }

    static let getDataset = Endpoint(.get, "/datasets/{dataset_id}", OpenAPIOperation(
        "GetDataset", "The Dataset folded from its events; ETag is its version.",
        pathParameters: ["dataset_id"], responses: [(200, "The Dataset.", Schema.dataset)]
    )) { request, context, services in
        let dataset = try await services.handlers.getDataset.handle(datasetID: RequestInput.parameter(context, "dataset_id"), caller: RequestInput.caller(request, context))
        return Responses.json(dataset.representation, headers: [.eTag: "\"\(dataset.version)\""])
    }

    static let getDatasetHistory = Endpoint(.get, "/datasets/{dataset_id}/history", OpenAPIOperation(
        "GetDatasetHistory", "The Dataset's audit log: every event in version order.",
        pathParameters: ["dataset_id"], responses: [(200, "The events.", Schema.datasetHistory)]
    )) { request, context, services in
        let history = try await services.handlers.getDatasetHistory.handle(datasetID: RequestInput.parameter(context, "dataset_id"), caller: RequestInput.caller(request, context))
        return Responses.json(history.representation)
    }

    static let listDatasets = Endpoint(.get, "/datasets", OpenAPIOperation(
        "ListDatasets", "Datasets in (created_at, dataset_id) order, keyset-paginated with an opaque cursor.",
        queryParameters: Schema.listDatasetsParameters,
        responses: [(200, "A page.", Schema.datasetPage)]
    )) { request, context, services in
        let page = try await services.handlers.listDatasets.handle(query: RequestInput.queryPairs(request), caller: RequestInput.caller(request, context))
        return Responses.json(page.representation)
    }
}
