import CoraKernel
import Foundation

/// A row change in one of the read models. Each read model is a pure projection from typed events to
/// its own changes; stores execute them with upsert semantics in the append's transaction.
public enum ReadModelChange: Sendable, Equatable {
    case datasetSummary(DatasetSummaryChange)
    case graph(GraphRow)
}

/// A row of the graph read models: written once, never changed (a second insert of it is a no-op).
public enum GraphRow: Sendable, Hashable {
    case lineageEdge(LineageEdgeRow)
    case datasetState(DatasetStateRow)
    case citation(CitationRow)
}

/// Every read model, in one place: adding one is a projection here, its rows in
/// `DatasetReadModelRows`, and its SQL in each store.
public enum ReadModels {
    /// The names stores and the rebuild report use, one per read model.
    public static let names = ["proj_data_dataset_summary", "proj_data_dataset_lineage", "proj_data_dataset_states", "proj_data_calibration_citations"]

    public static func changes(for events: [AppendedEvent]) -> [ReadModelChange] {
        events.flatMap { appended -> [ReadModelChange] in
            switch appended.event {
            case .dataset(let event):
                DatasetSummaryProjection.changes(for: event).map(ReadModelChange.datasetSummary)
                    + DatasetGraphProjection.changes(for: event, envelope: appended.envelope).map(ReadModelChange.graph)
            case .run, .subject: []
            }
        }
    }
}

/// Every read-model row one Dataset stream owns: what a rebuild compares and rewrites per Dataset.
public struct DatasetReadModelRows: Sendable, Equatable {
    public let datasetID: UUID
    public var summary: DatasetSummaryRow?
    /// The edges to this Dataset's `derived_from` parents.
    public var parents: Set<LineageEdgeRow>
    public var states: Set<DatasetStateRow>
    public var citations: Set<CitationRow>

    public init(datasetID: UUID, summary: DatasetSummaryRow? = nil, parents: Set<LineageEdgeRow> = [], states: Set<DatasetStateRow> = [],
                citations: Set<CitationRow> = []) {
        self.datasetID = datasetID
        self.summary = summary
        self.parents = parents
        self.states = states
        self.citations = citations
    }

    /// The change as a store executes it, on rows held in memory (the rebuild's expected state).
    public mutating func apply(_ change: ReadModelChange) {
        switch change {
        case .datasetSummary(let change): summary = change.applied(to: summary)
        case .graph(.lineageEdge(let row)): parents.insert(row)
        case .graph(.datasetState(let row)): states.insert(row)
        case .graph(.citation(let row)): citations.insert(row)
        }
    }

    /// Every graph row, for a store to write.
    public var graphRows: [GraphRow] {
        parents.map(GraphRow.lineageEdge) + states.map(GraphRow.datasetState) + citations.map(GraphRow.citation)
    }

    /// Read-model names whose rows differ from `other`'s.
    public func differences(from other: DatasetReadModelRows) -> [String] {
        var names: [String] = []
        if summary != other.summary { names.append("proj_data_dataset_summary") }
        if parents != other.parents { names.append("proj_data_dataset_lineage") }
        if states != other.states { names.append("proj_data_dataset_states") }
        if citations != other.citations { names.append("proj_data_calibration_citations") }
        return names
    }
}

/// What a store offers for rebuilding every read model from the events.
public protocol ReadModelMaintenance: Sendable {
    /// Ids of Dataset streams, in id order, strictly after `after`.
    func datasetStreamIDs(after: UUID?, limit: Int) async throws -> [UUID]
    /// The rows the read models hold for these Datasets (an id with none has empty rows).
    func readModelRows(_ ids: [UUID]) async throws -> [UUID: DatasetReadModelRows]
    /// Replaces, in one transaction, every read-model row each of these Datasets owns with the given ones.
    func replaceReadModelRows(_ rows: [DatasetReadModelRows]) async throws
    /// Removes read-model rows whose Dataset has no events; returns how many Datasets had some.
    func deleteReadModelRowsWithoutEvents() async throws -> Int
}
