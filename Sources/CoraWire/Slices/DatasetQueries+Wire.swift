import CoraData
import CoraKernel
import Foundation

extension Slices {
    /// `GET /datasets/{dataset_id}`, MCP `get_dataset`.
    public static let getDataset = Slice<WireRequest, GetDataset, Dataset>(.getDataset, refusals: ["DatasetNotFound"]) { request in
        let query = GetDataset(datasetID: try request.pathUUID("dataset_id"))
        try request.parameters.reader.finish()
        return { query }
    } handle: { dependencies, query, _, _ in
        try await GetDatasetHandler(dependencies).handle(query)
    }

    /// `GET /datasets/{dataset_id}/history`, MCP `get_dataset_history`.
    public static let getDatasetHistory = Slice<WireRequest, GetDatasetHistory, DatasetHistory>(.getDatasetHistory, refusals: ["DatasetNotFound"]) { request in
        let query = GetDatasetHistory(datasetID: try request.pathUUID("dataset_id"))
        try request.parameters.reader.finish()
        return { query }
    } handle: { dependencies, query, _, _ in
        try await GetDatasetHistoryHandler(dependencies).handle(query)
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
        try parameters.finish()
        let after = try cursor.map { text throws(RequestError) in try DatasetListCursor.decode(text) }
        let query = ListDatasets(
            filter: DatasetListFilter(status: status, producingRunID: producingRunID, subjectID: subjectID, usedCalibrations: usedCalibrations),
            after: after, limit: limit ?? ListDatasets.defaultLimit)
        return { query }
    } handle: { dependencies, query, _, _ in
        try await ListDatasetsHandler(dependencies).handle(query)
    }
}
