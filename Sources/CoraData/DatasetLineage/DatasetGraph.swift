import CoraKernel
import Foundation

// The lineage graph's read models: every `derived_from` edge, every change of a Dataset's status or
// intent, every citation of a calibration revision, each with the position and time of the event that
// made it, so a walk can see the graph as it was at any point.

/// `proj_data_dataset_lineage`: one row per `derived_from` edge, written when the child registers.
public struct LineageEdgeRow: Sendable, Hashable {
    public let parentID: UUID
    public let childID: UUID
    public let childCreatedAt: Timestamp
    public let position: Int64
    public let recordedAt: Timestamp

    public init(parentID: UUID, childID: UUID, childCreatedAt: Timestamp, position: Int64, recordedAt: Timestamp) {
        self.parentID = parentID
        self.childID = childID
        self.childCreatedAt = childCreatedAt
        self.position = position
        self.recordedAt = recordedAt
    }
}

/// `proj_data_dataset_states`: one row per event that sets a Dataset's status or intent, holding what it set.
public struct DatasetStateRow: Sendable, Hashable {
    public let datasetID: UUID
    public let position: Int64
    public let recordedAt: Timestamp
    public let status: DatasetStatus?
    public let intent: Intent?

    public init(datasetID: UUID, position: Int64, recordedAt: Timestamp, status: DatasetStatus?, intent: Intent?) {
        self.datasetID = datasetID
        self.position = position
        self.recordedAt = recordedAt
        self.status = status
        self.intent = intent
    }
}

/// `proj_data_calibration_citations`: one row per calibration revision a Dataset cites, ordered like the list.
public struct CitationRow: Sendable, Hashable {
    public let calibrationID: UUID
    public let datasetID: UUID
    public let createdAt: Timestamp
    public let position: Int64
    public let recordedAt: Timestamp

    public init(calibrationID: UUID, datasetID: UUID, createdAt: Timestamp, position: Int64, recordedAt: Timestamp) {
        self.calibrationID = calibrationID
        self.datasetID = datasetID
        self.createdAt = createdAt
        self.position = position
        self.recordedAt = recordedAt
    }
}

/// The three graph read models as pure functions of the typed event and its envelope.
public enum DatasetGraphProjection {
    public static func changes(for event: DatasetEvent, envelope: RecordedEvent) -> [GraphRow] {
        let (position, recordedAt) = (envelope.position, envelope.recordedAt)
        switch event {
        case .registered(let registered):
            let id = registered.datasetID
            return [.datasetState(DatasetStateRow(datasetID: id, position: position, recordedAt: recordedAt, status: .registered, intent: registered.intent))]
                + registered.derivedFrom.sorted(by: uuidOrder).map {
                    .lineageEdge(LineageEdgeRow(parentID: $0, childID: id, childCreatedAt: registered.occurredAt, position: position, recordedAt: recordedAt))
                }
                + registered.usedCalibrations.sorted(by: uuidOrder).map {
                    .citation(CitationRow(calibrationID: $0, datasetID: id, createdAt: registered.occurredAt, position: position, recordedAt: recordedAt))
                }
        case .promoted(let change):
            return [.datasetState(DatasetStateRow(datasetID: change.datasetID, position: position, recordedAt: recordedAt, status: nil, intent: .production))]
        case .demoted(let change):
            return [.datasetState(DatasetStateRow(datasetID: change.datasetID, position: position, recordedAt: recordedAt, status: nil, intent: .retracted))]
        case .discarded(let change):
            return [.datasetState(DatasetStateRow(datasetID: change.datasetID, position: position, recordedAt: recordedAt, status: .discarded, intent: nil))]
        }
    }
}

/// Which events a read sees: those at or before `position`, and, when `recordedBy` is set, recorded at or
/// before that time.
public struct GraphVisibility: Sendable, Equatable {
    public let position: Int64
    public let recordedBy: Timestamp?

    public init(position: Int64, recordedBy: Timestamp? = nil) {
        self.position = position
        self.recordedBy = recordedBy
    }
}

/// A Dataset as a graph read shows it: the record's fixed members and its status and intent as of the read.
public struct GraphNode: Sendable, Equatable {
    public let datasetID: UUID
    public let name: String
    public let uri: String
    public let producingRunID: UUID?
    public let createdAt: Timestamp
    public let status: DatasetStatus
    public let intent: Intent

    public init(datasetID: UUID, name: String, uri: String, producingRunID: UUID?, createdAt: Timestamp, status: DatasetStatus, intent: Intent) {
        self.datasetID = datasetID
        self.name = name
        self.uri = uri
        self.producingRunID = producingRunID
        self.createdAt = createdAt
        self.status = status
        self.intent = intent
    }
}

/// Builds graph nodes from a store's rows: each asked Dataset's fixed members once per visible state row.
/// Its status and intent as of the read are the latest non-null of each; a Dataset with no visible status
/// was registered after the read's point and is left out. Reading the state rows whole costs one index
/// range per node, where picking each column's latest row in SQL costs one lookup per column.
public struct GraphNodeAssembly: Sendable {
    private struct Pending: Sendable {
        let name: String
        let uri: String
        let producingRunID: UUID?
        let createdAt: Timestamp
        var status: (position: Int64, value: String)?
        var intent: (position: Int64, value: String)?
    }

    private var pending: [UUID: Pending] = [:]

    public init() {}

    public mutating func add(datasetID: UUID, name: String, uri: String, producingRunID: UUID?, createdAt: Timestamp,
                             position: Int64, status: String?, intent: String?) {
        var node = pending[datasetID] ?? Pending(name: name, uri: uri, producingRunID: producingRunID, createdAt: createdAt)
        if let status, position > node.status?.position ?? Int64.min { node.status = (position, status) }
        if let intent, position > node.intent?.position ?? Int64.min { node.intent = (position, intent) }
        pending[datasetID] = node
    }

    public func nodes() throws -> [GraphNode] {
        try pending.compactMap { id, node in
            guard let status = node.status?.value else { return nil }
            guard let parsed = DatasetStatus(rawValue: status), let intent = node.intent?.value else { throw StoreError.corrupt("unreadable state of graph node \(id.lowercased)") }
            return GraphNode(datasetID: id, name: node.name, uri: node.uri, producingRunID: node.producingRunID, createdAt: node.createdAt,
                             status: parsed, intent: Intent(rawValue: intent))
        }
    }
}

/// A `derived_from` edge found from one side, with the other side's creation time (for node order).
public struct GraphEdge: Sendable, Hashable {
    public let parentID: UUID
    public let childID: UUID
    /// When the end that was not asked about was registered.
    public let neighbourCreatedAt: Timestamp

    public init(parentID: UUID, childID: UUID, neighbourCreatedAt: Timestamp) {
        self.parentID = parentID
        self.childID = childID
        self.neighbourCreatedAt = neighbourCreatedAt
    }
}

/// Which children a layer needs: a Dataset may have tens of thousands, and a walk that stops at
/// `max_nodes` needs only the first few of each parent, plus the edges to nodes it already holds.
public struct ChildrenWanted: Sendable, Equatable {
    public let perParent: Int
    public let known: [UUID]

    public init(perParent: Int, known: [UUID]) {
        self.perParent = perParent
        self.known = known
    }

    public static let none = ChildrenWanted(perParent: 0, known: [])
}

/// One round trip of a walk: the nodes asked for, and the edges out of them.
public struct GraphLayer: Sendable, Equatable {
    /// The asked-for nodes visible as of the read (one registered later is absent).
    public let nodes: [GraphNode]
    /// The parents of the `upstream` ids asked for.
    public let parents: [GraphEdge]
    /// The children of the `downstream` ids asked for.
    public let children: [GraphEdge]

    public init(nodes: [GraphNode], parents: [GraphEdge], children: [GraphEdge]) {
        self.nodes = nodes
        self.parents = parents
        self.children = children
    }
}

/// One consistent view of the graph read models for the length of a walk.
public protocol DatasetGraphSnapshot: Sendable {
    /// The position of the latest event this view sees (0 when there is none).
    func latestPosition() async throws -> Int64
    /// One round trip: the visible nodes among `upstream ∪ downstream`, the parents of `upstream` and the
    /// children of `downstream` — of each, its first `children.perParent` children in `(created_at, id)`
    /// order and every child among `children.known` — every edge visible.
    func layer(upstream: [UUID], downstream: [UUID], visibility: GraphVisibility, children: ChildrenWanted) async throws -> GraphLayer
    /// One round trip: the Datasets citing `revision`, visible, in `(created_at, dataset_id)` order, at most `limit`.
    func citing(_ revision: UUID, visibility: GraphVisibility, limit: Int) async throws -> [UUID]
}

/// What a store offers for graph reads.
public protocol DatasetGraphReader: Sendable {
    func readGraph<T: Sendable>(_ body: @escaping @Sendable (any DatasetGraphSnapshot) async throws -> T) async throws -> T
}

extension DatasetGraphReader {
    /// These Datasets' status and intent now, in one layer of the graph read models: what a list of
    /// summaries (which keep no intent) needs to show both.
    public func currentNodes(_ ids: [UUID]) async throws -> [UUID: GraphNode] {
        guard !ids.isEmpty else { return [:] }
        return try await readGraph { snapshot in
            let visibility = GraphVisibility(position: try await snapshot.latestPosition())
            // Asked as upstream: a node has at most 64 parents, but may have any number of children.
            let layer = try await snapshot.layer(upstream: ids, downstream: [], visibility: visibility, children: .none)
            return Dictionary(layer.nodes.map { ($0.datasetID, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
