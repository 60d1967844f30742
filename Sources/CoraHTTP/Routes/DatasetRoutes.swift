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

    /// The Dataset as this service's JSON (ETag: its version), or, for `Accept: application/ld+json`, as
    /// a schema.org Dataset (the ExportDataset slice; ETag: a hash of the body).
    static let getDataset = Endpoint(.get, "/datasets/{dataset_id}", OpenAPIOperation(
        "GetDataset", "The Dataset folded from its events (ETag: its version); with Accept: application/ld+json, the same Dataset as schema.org/DCAT JSON-LD.",
        responses: [(200, "The Dataset.", Schema.dataset)],
        alternatives: ["application/ld+json": Schema.document],
        refusals: ["NotAcceptable"]
    ).documenting(Slices.getDataset, pathParameters: ["dataset_id"], body: false).documenting(Slices.exportSchemaOrg, pathParameters: ["dataset_id"], body: false)) { request, context, services in
        let chosen = try ContentNegotiation.choose(["application/json", "application/ld+json"], accept: request.headers[.accept])
        let wire = try RestInput.query(request, context, path: ["dataset_id"])
        if chosen == "application/ld+json" {
            let document = try await services.runner.run(Slices.exportSchemaOrg, wire, identify: RestInput.identify(request, context))
            return Responses.export(document, services: services, request: request, headers: [.vary: "Accept"])
        }
        let dataset = try await services.runner.run(Slices.getDataset, wire, identify: RestInput.identify(request, context))
        return Responses.json(dataset.representation, headers: [.vary: "Accept", .eTag: "\"\(dataset.version)\""])
    }

    static let exportProv = Endpoint(.get, "/datasets/{dataset_id}/prov", export: Slices.exportProv, OpenAPIOperation(
        "ExportDatasetAsPROV", "The Dataset and its ancestors as W3C PROV: PROV-JSON (application/json), PROV-JSONLD or PROV-O (application/ld+json).",
        queryParameters: Schema.provParameters, responses: [(200, "The PROV document; ETag: a hash of it.", Schema.document)],
        alternatives: ["application/ld+json": Schema.document]
    ))

    static let exportROCrate = Endpoint(.get, "/datasets/{dataset_id}/ro-crate", export: Slices.exportROCrate, OpenAPIOperation(
        "ExportDatasetAsROCrate", "The Dataset as an RO-Crate 1.2 metadata document (the content of ro-crate-metadata.json).",
        queryParameters: Schema.asOfParameters, responses: [(200, "The RO-Crate metadata document; ETag: a hash of it.", nil)],
        alternatives: ["application/ld+json": Schema.document]
    ))

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
