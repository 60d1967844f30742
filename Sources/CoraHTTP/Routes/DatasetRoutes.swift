import CoraData
import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird

// One endpoint per Dataset slice; each only names its slice and writes the answer.

extension Endpoints {
    static let registerDataset = Endpoint(.post, "/datasets", Slices.registerDataset, OpenAPIOperation(
        "RegisterDataset", "Register a Dataset (status Registered, intent Trial).",
        headers: [("Idempotency-Key", true, Schema.idempotencyKeyHeader, "Required; 1–255 characters, scoped to the principal.")],
        requestSchema: Schema.registerDatasetBody,
        responses: [(201, "Registered; Location names the new Dataset.", Schema.created("dataset_id"))]
    )) { result in
        Responses.created(createdBody("dataset_id", result.datasetID), location: "/datasets/\(result.datasetID.lowercased)", replayed: result.replayed)
    }

    static let promoteDataset = Endpoint(.post, "/datasets/{dataset_id}/promote", Slices.promoteDataset, OpenAPIOperation(
        "PromoteDataset", "Promote a Dataset's intent from Trial to Production, with an audit reason.",
        requestSchema: Schema.reasonBody, responses: [(204, "Promoted.", nil)]
    )) { _ in Responses.noContent() }

    static let demoteDataset = Endpoint(.post, "/datasets/{dataset_id}/demote", Slices.demoteDataset, OpenAPIOperation(
        "DemoteDataset", "Demote a Dataset's intent from Production to Retracted, with an audit reason.",
        requestSchema: Schema.reasonBody, responses: [(204, "Demoted.", nil)]
    )) { _ in Responses.noContent() }

    static let discardDataset = Endpoint(.post, "/datasets/{dataset_id}/discard", Slices.discardDataset, OpenAPIOperation(
        "DiscardDataset", "Record that a Dataset's bytes were deleted (status Discarded); the record is kept.",
        requestSchema: Schema.reasonBody, responses: [(204, "Discarded.", nil)]
    )) { _ in Responses.noContent() }

    static let getDataset = Endpoint(.get, "/datasets/{dataset_id}", Slices.getDataset, OpenAPIOperation(
        "GetDataset", "The Dataset folded from its events; ETag is its version.",
        responses: [(200, "The Dataset.", Schema.dataset)]
    )) { dataset in
        Responses.json(dataset.representation, headers: [.eTag: "\"\(dataset.version)\""])
    }

    static let getDatasetHistory = Endpoint(.get, "/datasets/{dataset_id}/history", Slices.getDatasetHistory, OpenAPIOperation(
        "GetDatasetHistory", "The Dataset's audit log: every event in version order.",
        responses: [(200, "The events.", Schema.datasetHistory)]
    )) { history in Responses.json(history.representation) }

    static let listDatasets = Endpoint(.get, "/datasets", Slices.listDatasets, OpenAPIOperation(
        "ListDatasets", "Datasets in (created_at, dataset_id) order, keyset-paginated with an opaque cursor.",
        queryParameters: Schema.listDatasetsParameters,
        responses: [(200, "A page.", Schema.datasetPage)]
    )) { page in Responses.json(page.representation) }
}
