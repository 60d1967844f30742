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
    public static func decide(_ command: PromoteDataset, _ state: Dataset?, _ context: PromoteDatasetContext) throws(DatasetError) -> [DatasetEvent] {
        guard let dataset = state else { throw .notFound(command.datasetID) }
        if dataset.status == .discarded { throw .cannotPromote(dataset.id, .discarded) }
        if dataset.intent == .production { throw .alreadyPromoted(dataset.id) }
        if dataset.intent == .retracted { throw .cannotPromote(dataset.id, .retracted) }
        if dataset.producingRunID != nil, dataset.producingRunEndState != .completed {
            throw .cannotPromote(dataset.id, .producingRunNotCompleted(dataset.producingRunEndState))
        }
        let notProduction = dataset.derivedFrom.filter { (context.derivedFrom[$0] ?? nil)?.intent != .production }
        guard notProduction.isEmpty else { throw .cannotPromote(dataset.id, .derivedFromNotProduction(notProduction.sorted(by: uuidOrder))) }
        return [.promoted(DatasetReasonRecorded(datasetID: dataset.id, reason: command.reason, occurredAt: context.now))]
    }
}
