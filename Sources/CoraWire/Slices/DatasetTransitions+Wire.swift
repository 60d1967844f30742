import CoraData
import CoraKernel
import Foundation

extension Slices {
    /// `POST /datasets/{dataset_id}/promote`, MCP `promote_dataset`.
    public static let promoteDataset = reasonSlice(
        .promoteDataset, refusals: ["InvalidPromotionReason", "DatasetNotFound", "DatasetAlreadyPromoted", "DatasetCannotPromote"],
        PromoteDataset.init(datasetID:reason:)
    ) { dependencies, command, caller in try await PromoteDatasetHandler(dependencies).handle(command, caller: caller) }

    /// `POST /datasets/{dataset_id}/demote`, MCP `demote_dataset`.
    public static let demoteDataset = reasonSlice(
        .demoteDataset, refusals: ["InvalidDemotionReason", "DatasetNotFound", "DatasetAlreadyRetracted", "DatasetCannotDemote"],
        DemoteDataset.init(datasetID:reason:)
    ) { dependencies, command, caller in try await DemoteDatasetHandler(dependencies).handle(command, caller: caller) }

    /// `POST /datasets/{dataset_id}/discard`, MCP `discard_dataset`.
    public static let discardDataset = reasonSlice(
        .discardDataset, refusals: ["InvalidDatasetDiscardReason", "DatasetNotFound", "DatasetCannotDiscard"],
        DiscardDataset.init(datasetID:reason:)
    ) { dependencies, command, caller in try await DiscardDatasetHandler(dependencies).handle(command, caller: caller) }

    /// The three Dataset transitions share their request: the id in the path and `{"reason": …}`.
    static func reasonSlice<Command: Sendable>(
        _ operation: OperationName, refusals: [String],
        _ build: @escaping @Sendable (UUID, String) throws(DatasetError) -> Command,
        handle: @escaping @Sendable (ServiceDependencies, Command, CallContext) async throws -> Dataset
    ) -> Slice<WireRequest, Command, Dataset> {
        Slice(operation, refusals: refusals + ["ConcurrencyConflict"]) { request in
            let datasetID = try request.pathUUID("dataset_id")
            try request.parameters.reader.finish()
            var body = try request.bodyObject()
            let reason = try body.requiredString("reason")
            try body.rejectUnknownMembers()
            return { try build(datasetID, reason) }
        } handle: { dependencies, command, _, caller in
            try await handle(dependencies, command, caller)
        }
    }
}
