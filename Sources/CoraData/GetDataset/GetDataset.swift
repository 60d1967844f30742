import CoraKernel
import Foundation

extension Dataset {
    /// The body of GetDataset (and of the MCP command tools' results): set members sorted.
    public var representation: JSONValue {
        .object([
            "id": .string(id.lowercased), "name": .string(name.value), "uri": .string(uri.value),
            "checksum": checksum.json, "byte_size": .integer(byteSize.value), "encoding": encoding.json,
            "producing_run_id": producingRunID.map { .string($0.lowercased) } ?? .null,
            "producing_run_end_state": producingRunEndState.map { .string($0.rawValue) } ?? .null,
            "subject_id": subjectID.map { .string($0.lowercased) } ?? .null,
            "derived_from": .array(sortedIDs(derivedFrom).map(JSONValue.string)),
            "used_calibrations": .array(sortedIDs(usedCalibrations).map(JSONValue.string)),
            "status": .string(status.rawValue), "intent": .string(intent.rawValue),
            "created_at": .string(createdAt.rfc3339), "updated_at": .string(updatedAt.rfc3339),
            "version": .integer(version),
        ])
    }
}

public struct GetDatasetHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(datasetID: String, caller: CallContext) async throws -> Dataset {
        try dependencies.authorize(.getDataset, caller)
        let id = try parsePathUUID(datasetID, name: "dataset_id")
        guard let dataset = try DatasetEvolve.fold(try await dependencies.store.readStream(StreamID(.dataset, id))) else {
            throw DatasetError.notFound(id)
        }
        return dataset
    }
}
