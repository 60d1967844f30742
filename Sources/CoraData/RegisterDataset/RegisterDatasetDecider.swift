import CoraKernel
import Foundation

/// Invariants (checked in this order):
/// - `producing_run_id` names a Run with events, any status            → ProducingRunMissing (404)
/// - `subject_id` names a Subject with events                           → LinkedSubjectMissing (404)
/// - every `derived_from` id names a Dataset with events                → DerivedFromDatasetsMissing (404, all ids)
/// - no `derived_from` Dataset is currently Discarded                   → DerivedFromDatasetsDiscarded (409)
/// - the new id's stream is empty                                       → DatasetAlreadyExists (409)
/// - `producing_run_end_state` = the Run's end state now if it ended, else null; captured, never recomputed
/// Emits DatasetRegistered (status Registered, intent Trial).
public enum RegisterDatasetDecider {
    public static func decide(_ command: RegisterDataset, _ state: Dataset?, _ context: RegisterDatasetContext) throws(DatasetError) -> [DatasetEvent] {
        if let runID = command.producingRunID, context.producingRun == nil { throw .producingRunMissing(runID) }
        if let subjectID = command.subjectID, !context.subjectExists { throw .linkedSubjectMissing(subjectID) }
        let missing = command.derivedFrom.filter { (context.derivedFrom[$0] ?? nil) == nil }
        guard missing.isEmpty else { throw .derivedFromMissing(missing.sorted(by: uuidOrder)) }
        let discarded = command.derivedFrom.filter { context.derivedFrom[$0]??.status == .discarded }
        guard discarded.isEmpty else { throw .derivedFromDiscarded(discarded.sorted(by: uuidOrder)) }
        guard state == nil else { throw .alreadyExists(context.datasetID) }
        return [.registered(DatasetRegistered(
            datasetID: context.datasetID, name: command.name, uri: command.uri, checksum: command.checksum,
            byteSize: command.byteSize, encoding: command.encoding, producingRunID: command.producingRunID,
            subjectID: command.subjectID, derivedFrom: command.derivedFrom, producingRunEndState: context.producingRun?.status.endState,
            intent: .trial, usedCalibrations: command.usedCalibrations, occurredAt: context.now))]
    }
}
