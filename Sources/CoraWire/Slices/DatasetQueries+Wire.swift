import CoraData
import CoraKernel
import Foundation

extension Slices {
    /// `GET /datasets/{dataset_id}`, MCP `get_dataset`.
    public static let getDataset = lookup(.getDataset, by: "dataset_id", refusals: ["DatasetNotFound"], GetDataset.init(datasetID:)) {
        try await GetDatasetHandler($0).handle($1)
    }

    /// `GET /datasets/{dataset_id}/history`, MCP `get_dataset_history`.
    public static let getDatasetHistory = lookup(.getDatasetHistory, by: "dataset_id", refusals: ["DatasetNotFound"], GetDatasetHistory.init(datasetID:)) {
        try await GetDatasetHistoryHandler($0).handle($1)
    }

    /// A query for one entity by the id in its path, taking no other parameter.
    static func lookup<Query: Sendable, Output: Sendable>(
        _ operation: OperationName, by parameter: String, refusals: [String], _ query: @escaping @Sendable (UUID) -> Query,
        handle: @escaping @Sendable (ServiceDependencies, Query) async throws -> Output
    ) -> Slice<WireRequest, Query, Output> {
        Slice(operation, refusals: refusals) { request in
            let built = query(try request.pathUUID(parameter))
            try request.parameters.reader.finish()
            return { built }
        } handle: { dependencies, built, _, _ in
            try await handle(dependencies, built)
        }
    }

    /// `GET /datasets`, MCP `list_datasets`: the query parameters (MCP: arguments) of §5.
    public static let listDatasets = Slice<WireRequest, ListDatasets, DatasetPage>(.listDatasets, refusals: ["InvalidCursor"]) { request in
        var parameters = request.parameters.reader
        let limit = try parameters.integer("limit", in: ListDatasets.limitRange)
        let cursor = try parameters.string("cursor")
        let status = try parameters.choice("status", DatasetStatus.self)
        let producingRunID = try parameters.uuid("producing_run_id")
        let subjectID = try parameters.uuid("subject_id")
        let usedCalibrations = try parameters.uuidList("used_calibrations", maximum: 64)
        let derivedFrom = try parameters.uuid("derived_from")
        try parameters.finish()
        let after = try cursor.map { text throws(RequestError) in try DatasetListCursor.decode(text) }
        let query = ListDatasets(
            filter: DatasetListFilter(status: status, producingRunID: producingRunID, subjectID: subjectID, usedCalibrations: usedCalibrations,
                                      derivedFrom: derivedFrom),
            after: after, limit: limit ?? ListDatasets.defaultLimit)
        return { query }
    } handle: { dependencies, query, _, _ in
        try await ListDatasetsHandler(dependencies).handle(query)
    }
}
