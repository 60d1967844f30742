import CoraData
import CoraKernel
import Foundation

extension Slices {
    /// `GET /datasets/{dataset_id}/lineage`, MCP `get_dataset_lineage`.
    public static let getDatasetLineage = Slice<WireRequest, GetDatasetLineage, DatasetLineage>(
        .getDatasetLineage, refusals: ["DatasetNotFound"]
    ) { request in
        let datasetID = try request.pathUUID("dataset_id")
        var parameters = request.parameters.reader
        let direction = try parameters.choice("direction", LineageDirection.self) ?? .both
        let depth = try parameters.integer("depth", in: GetDatasetLineage.depthRange) ?? 3
        let maxNodes = try parameters.integer("max_nodes", in: GetDatasetLineage.maxNodesRange) ?? 500
        let asOf = try parameters.asOf()
        try parameters.finish()
        let query = GetDatasetLineage(datasetID: datasetID, direction: direction, depth: depth, maxNodes: maxNodes, asOf: asOf)
        return { query }
    } handle: { dependencies, query, _, _ in
        try await GetDatasetLineageHandler(dependencies).handle(query)
    }

    /// `GET /calibration-revisions/{revision_id}/impact`, MCP `get_calibration_impact`.
    public static let getCalibrationImpact = Slice<WireRequest, GetCalibrationImpact, CalibrationImpact>(
        .getCalibrationImpact, refusals: []
    ) { request in
        let revisionID = try request.pathUUID("revision_id")
        var parameters = request.parameters.reader
        let depth = try parameters.integer("depth", in: GetCalibrationImpact.depthRange) ?? 3
        let maxNodes = try parameters.integer("max_nodes", in: GetDatasetLineage.maxNodesRange) ?? 500
        let asOf = try parameters.asOf()
        try parameters.finish()
        let query = GetCalibrationImpact(revisionID: revisionID, depth: depth, maxNodes: maxNodes, asOf: asOf)
        return { query }
    } handle: { dependencies, query, _, _ in
        try await GetCalibrationImpactHandler(dependencies).handle(query)
    }
}

extension ParameterReader {
    /// `as_of_position` (a position, 0 or more) or `as_of_time` (RFC 3339), at most one of them.
    mutating func asOf() throws(RequestError) -> AsOf {
        let position = try integer("as_of_position", in: 0...Int(Int64.max))
        let time = try string("as_of_time")
        switch (position, time) {
        case (nil, nil): return .latest
        case (let position?, nil): return .position(Int64(position))
        case (nil, let text?):
            guard let time = Timestamp(rfc3339Input: text) else {
                throw .invalidRequest(field: "as_of_time", detail: "as_of_time must be an RFC 3339 date-time, for example 2026-05-19T14:03:07Z.")
            }
            return .time(time)
        case (.some, .some):
            throw .invalidRequest(field: "as_of_time", detail: "Give at most one of as_of_position and as_of_time.")
        }
    }
}
