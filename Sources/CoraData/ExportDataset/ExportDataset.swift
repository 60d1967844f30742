import CoraKernel
import Foundation

/// A Dataset and its ancestors up to `depth`, with everything their provenance is made of: each
/// Dataset's events (who registered, promoted, retracted, discarded it, when and why) and each
/// producing Run, as of a point of the log. The vocabularies it is written in are the wire's.
public struct ExportDataset: Sendable, Equatable {
    public static let depthRange = 0...10
    /// Walks are bounded like lineage walks: a provenance document never holds more Datasets than this.
    public static let maximumDatasets = 2000

    public let datasetID: UUID
    public let depth: Int
    public let asOf: AsOf

    public init(datasetID: UUID, depth: Int = 10, asOf: AsOf = .latest) {
        self.datasetID = datasetID
        self.depth = depth
        self.asOf = asOf
    }
}

/// One Dataset of an export: its state and events as of the export's point, and how far up it is.
public struct ExportedDataset: Sendable, Equatable {
    public let dataset: Dataset
    public let events: [RecordedEvent]
    /// 0 for the exported Dataset, k for an ancestor k edges up.
    public let generation: Int
}

public struct ExportedRun: Sendable, Equatable {
    public let run: Run
    public let events: [RecordedEvent]
}

public struct DatasetProvenance: Sendable, Equatable {
    public let asOf: ResolvedAsOf
    /// The exported Dataset first, then its ancestors by generation, creation, id.
    public let datasets: [ExportedDataset]
    public let runs: [UUID: ExportedRun]
    /// True when the bound on Datasets left an ancestor within `depth` out.
    public let truncated: Bool

    public var root: ExportedDataset { datasets[0] }
    /// When the newest event any part of the document rests on was recorded: what changes it.
    public var latestEvent: RecordedEvent? {
        (datasets.flatMap(\.events) + runs.values.flatMap(\.events)).max { $0.position < $1.position }
    }
}

public struct ExportDatasetHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(_ query: ExportDataset) async throws -> DatasetProvenance {
        let store = dependencies.store
        let (visibility, asOf, walked, truncated) = try await store.readGraph { snapshot in
            let (visibility, asOf) = try await GraphWalk.resolve(query.asOf, in: snapshot)
            let walk = GraphWalk(snapshot: snapshot, visibility: visibility, maxNodes: ExportDataset.maximumDatasets, depth: query.depth)
            let (nodes, _, truncated) = try await walk.run(start: [query.datasetID], startDistance: 0, upstream: true, downstream: false)
            guard nodes[query.datasetID] != nil else { throw DatasetError.notFound(query.datasetID) }
            return (visibility, asOf, nodes, truncated)
        }
        func visible(_ event: RecordedEvent) -> Bool {
            event.position <= visibility.position && visibility.recordedBy.map { event.recordedAt <= $0 } ?? true
        }
        let ordered = walked.values.sorted { $0.sortKey(distance: -$0.distance) < $1.sortKey(distance: -$1.distance) }
        let streams = try await store.readStreams(ordered.map { StreamID(.dataset, $0.node.datasetID) })
        var datasets: [ExportedDataset] = []
        for walkedNode in ordered {
            let events = (streams[StreamID(.dataset, walkedNode.node.datasetID)] ?? []).filter(visible)
            guard let dataset = try DatasetEvolve.fold(events) else { throw StoreError.corrupt("a walked Dataset has no events as of the walk") }
            datasets.append(ExportedDataset(dataset: dataset, events: events, generation: -walkedNode.distance))
        }
        let runIDs = Set(datasets.compactMap(\.dataset.producingRunID))
        let runStreams = try await store.readStreams(runIDs.map { StreamID(.run, $0) })
        var runs: [UUID: ExportedRun] = [:]
        for id in runIDs {
            let events = (runStreams[StreamID(.run, id)] ?? []).filter(visible)
            if let run = try RunEvolve.fold(events) { runs[id] = ExportedRun(run: run, events: events) }
        }
        return DatasetProvenance(asOf: asOf, datasets: datasets, runs: runs, truncated: truncated)
    }
}
