import CoraKernel
import Foundation

/// What the handler loaded for a registration (one round trip).
public struct RegisterDatasetContext: Sendable {
    public let datasetID: UUID
    /// The new id's stream; non-nil only on an id collision.
    public let existing: Dataset?
    /// The producing Run, when `producing_run_id` is set; `nil` when its stream is empty.
    public let producingRun: Run?
    public let subjectExists: Bool
    /// Every `derived_from` id with its state, `nil` for an empty stream.
    public let derivedFrom: [UUID: Dataset?]
    public let now: Timestamp

    public init(datasetID: UUID, existing: Dataset?, producingRun: Run?, subjectExists: Bool, derivedFrom: [UUID: Dataset?], now: Timestamp) {
        self.datasetID = datasetID
        self.existing = existing
        self.producingRun = producingRun
        self.subjectExists = subjectExists
        self.derivedFrom = derivedFrom
        self.now = now
    }
}

/// Invariants:
/// - `producing_run_id` names a Run with events, any status            → ProducingRunMissing (404)
/// - `subject_id` names a Subject with events                           → LinkedSubjectMissing (404)
/// - every `derived_from` id names a Dataset with events                → DerivedFromDatasetsMissing (404, all ids)
/// - no `derived_from` Dataset is currently Discarded                   → DerivedFromDatasetsDiscarded (409)
/// - the new id's stream is empty                                       → DatasetAlreadyExists (409)
/// - `producing_run_end_state` = the Run's status now if terminal, else null; captured, never recomputed
/// - status Registered, intent Trial
public enum RegisterDatasetDecider {
    public static func decide(_ command: RegisterDataset, _ context: RegisterDatasetContext) throws(DatasetError) -> [DatasetEvent] {
        if let runID = command.producingRunID, context.producingRun == nil { throw .producingRunMissing(runID) }
        if let subjectID = command.subjectID, !context.subjectExists { throw .linkedSubjectMissing(subjectID) }
        let missing = command.derivedFrom.filter { (context.derivedFrom[$0] ?? nil) == nil }
        guard missing.isEmpty else { throw .derivedFromMissing(missing.sorted(by: uuidOrder)) }
        let discarded = command.derivedFrom.filter { context.derivedFrom[$0]??.status == .discarded }
        guard discarded.isEmpty else { throw .derivedFromDiscarded(discarded.sorted(by: uuidOrder)) }
        guard context.existing == nil else { throw .alreadyExists(context.datasetID) }

        let endState = context.producingRun.flatMap { $0.status.isTerminal ? $0.status : nil }
        return [.registered(DatasetRegistered(
            datasetID: context.datasetID, name: command.name, uri: command.uri, checksum: command.checksum,
            byteSize: command.byteSize, encoding: command.encoding, producingRunID: command.producingRunID,
            subjectID: command.subjectID, derivedFrom: command.derivedFrom, producingRunEndState: endState,
            intent: .trial, usedCalibrations: command.usedCalibrations, occurredAt: context.now))]
    }
}

/// UUIDs ordered as their lower-case text, which is also byte order (what PostgreSQL and the cursor use).
func uuidOrder(_ lhs: UUID, _ rhs: UUID) -> Bool { lhs.lowercased < rhs.lowercased }
