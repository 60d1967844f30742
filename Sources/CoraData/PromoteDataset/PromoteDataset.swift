import CoraKernel
import Foundation

/// Invariants (checked in this order):
/// - the Dataset exists                                              → DatasetNotFound (404)
/// - status is not Discarded                                         → DatasetCannotPromote reason "discarded"
/// - intent is not already Production                                → DatasetAlreadyPromoted
/// - intent is not Retracted (terminal)                              → DatasetCannotPromote reason "retracted"
/// - a producing Run, if any, was captured as Completed              → DatasetCannotPromote reason "producing_run_not_completed"
/// - every `derived_from` Dataset's intent is Production (status is not consulted)
///                                                                   → DatasetCannotPromote reason "derived_from_not_production"
/// Emits DatasetPromoted (intent → Production).
public enum PromoteDatasetDecider {
    public static func decide(_ command: DatasetReasonInput, _ state: Dataset?, derivedFrom: [UUID: Dataset?], now: Timestamp) throws(DatasetError) -> [DatasetEvent] {
        guard let dataset = state else { throw .notFound(command.datasetID) }
        if dataset.status == .discarded { throw .cannotPromote(dataset.id, .discarded) }
        if dataset.intent == .production { throw .alreadyPromoted(dataset.id) }
        if dataset.intent == .retracted { throw .cannotPromote(dataset.id, .retracted) }
        if dataset.producingRunID != nil, dataset.producingRunEndState != .completed {
            throw .cannotPromote(dataset.id, .producingRunNotCompleted(dataset.producingRunEndState))
        }
        let notProduction = dataset.derivedFrom.filter { (derivedFrom[$0] ?? nil)?.intent != .production }
        guard notProduction.isEmpty else { throw .cannotPromote(dataset.id, .derivedFromNotProduction(notProduction.sorted(by: uuidOrder))) }
        return [.promoted(DatasetReasonRecorded(datasetID: dataset.id, reason: command.reason, occurredAt: now))]
    }
}

public struct PromoteDatasetHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// Returns the Dataset after the promotion.
    public func handle(datasetID: String, body: CommandBody, caller: CallContext) async throws -> Dataset {
        try dependencies.authorize(.promoteDataset, caller)
        let command = try DatasetReasonInput(datasetID: datasetID, body: body, invalidReason: DatasetError.invalidPromotionReason)
        return try await DatasetTransition.run(dependencies, caller: caller, datasetID: command.datasetID, loadDerivedFrom: true) { state, derived, now in
            try PromoteDatasetDecider.decide(command, state, derivedFrom: derived, now: now)
        }
    }
}
