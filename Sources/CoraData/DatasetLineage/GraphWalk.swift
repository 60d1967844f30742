import CoraKernel
import Foundation

/// Which state of the catalogue a graph read answers from.
public enum AsOf: Sendable, Equatable {
    /// The latest event the read sees.
    case latest
    /// The events up to and including this position.
    case position(Int64)
    /// The events recorded at or before this time.
    case time(Timestamp)
}

/// The point a graph answer is as of, as the answer states it: a position, or the time asked for.
public enum ResolvedAsOf: Sendable, Equatable {
    case position(Int64)
    case time(Timestamp)
}

public enum GraphError: Error, Sendable, Equatable, ProblemReportable {
    case positionAfterLatest(asked: Int64, latest: Int64)

    public var problem: Problem {
        switch self {
        case .positionAfterLatest(let asked, let latest):
            Problem(status: 422, code: "InvalidRequest", detail: "as_of_position \(asked) is after the latest event (\(latest)).",
                    extensions: ["field": "as_of_position"])
        }
    }
}

/// A node of a walk's answer: the Dataset as of the read, and its distance from where the walk started.
public struct WalkedNode: Sendable, Equatable {
    public let node: GraphNode
    /// 0 the root, −k an ancestor k edges up, +k a descendant k edges down (impact: 1 citing, 1 + k below).
    public let distance: Int

    public init(node: GraphNode, distance: Int) {
        self.node = node
        self.distance = distance
    }

    /// Orders nodes by the given distance (the walk's, or its reverse), then `(created_at, dataset_id)`.
    public func sortKey(distance: Int) -> (Int, Timestamp, UInt64, UInt64) {
        let id = node.datasetID.orderKey
        return (distance, node.createdAt, id.0, id.1)
    }
}

/// A walk's answer: nodes in `(distance, created_at, dataset_id)` order, edges in `(from, to)` order.
public struct WalkedGraph: Sendable, Equatable {
    public let asOf: ResolvedAsOf
    public let nodes: [WalkedNode]
    public let edges: [GraphEdge]
    /// True exactly when `max_nodes` left a node out.
    public let truncated: Bool
}

/// A breadth-first walk over the lineage read models: one round trip per layer (the layer's node data
/// and the edges out of it come back together), never one per node, so its cost follows the nodes it
/// returns, not the size of the catalogue.
struct GraphWalk {
    let snapshot: any DatasetGraphSnapshot
    let visibility: GraphVisibility
    let maxNodes: Int
    /// How many layers beyond the start it may add.
    let depth: Int

    /// Resolves `asOf` against the snapshot: the visibility to read with and the point the answer names.
    static func resolve(_ asOf: AsOf, in snapshot: any DatasetGraphSnapshot) async throws -> (GraphVisibility, ResolvedAsOf) {
        let latest = try await snapshot.latestPosition()
        switch asOf {
        case .latest: return (GraphVisibility(position: latest), .position(latest))
        case .position(let position):
            guard position <= latest else { throw GraphError.positionAfterLatest(asked: position, latest: latest) }
            return (GraphVisibility(position: position), .position(position))
        case .time(let time): return (GraphVisibility(position: latest, recordedBy: time), .time(time))
        }
    }

    /// Walks from `start` (all at `startDistance`): towards parents when `upstream`, children when `downstream`.
    /// Returns the nodes found (data for every node the read sees) and whether `maxNodes` cut the walk.
    func run(start: [UUID], startDistance: Int, upstream: Bool, downstream: Bool, startTruncated: Bool = false)
        async throws -> (nodes: [UUID: WalkedNode], edges: Set<GraphEdge>, truncated: Bool)
    {
        var distance: [UUID: Int] = [:]
        for id in start { distance[id] = startDistance }
        var data: [UUID: GraphNode] = [:]
        var edges = Set<GraphEdge>()
        var frontier = (up: upstream ? start : [], down: downstream ? start : [], all: start)
        var truncated = startTruncated
        var layer = 0
        while !frontier.all.isEmpty {
            // A new node the next layer keeps (or the one that makes it truncated) comes, among each of its
            // parents' children in walk order, after at most `room` new and `known` known ones: so each
            // parent's first `room + 1 + known` = `maxNodes + 1` children are enough, plus every edge to a
            // known node. The last layer adds no node: only its edges to known nodes are wanted.
            let expanding = layer < depth && !truncated
            let wanted = ChildrenWanted(perParent: expanding ? maxNodes + 1 : 0, known: frontier.down.isEmpty ? [] : Array(distance.keys))
            let found = try await snapshot.layer(upstream: frontier.up, downstream: frontier.down, visibility: visibility, children: wanted)
            for node in found.nodes { data[node.datasetID] = node }
            edges.formUnion(found.parents.filter { distance[$0.parentID] != nil })
            edges.formUnion(found.children.filter { distance[$0.childID] != nil })
            guard layer < depth, !truncated else { break }
            // The next layer in node order: ancestors (negative distance) first, each side by creation, then id.
            let parents = Self.newEnds(found.parents, known: distance, end: \.parentID)
            let children = Self.newEnds(found.children, known: distance, end: \.childID)
            let candidates = parents.map { ($0, startDistance - layer - 1) } + children.map { ($0, startDistance + layer + 1) }
            let room = maxNodes - distance.count
            let chosen = candidates.prefix(max(0, room))
            truncated = candidates.count > room
            for (id, at) in chosen { distance[id] = at }
            edges.formUnion(found.parents.filter { distance[$0.parentID] != nil })
            edges.formUnion(found.children.filter { distance[$0.childID] != nil })
            frontier = (chosen.filter { $0.1 < startDistance }.map(\.0), chosen.filter { $0.1 > startDistance }.map(\.0), chosen.map(\.0))
            layer += 1
        }
        var nodes: [UUID: WalkedNode] = [:]
        for (id, at) in distance { if let node = data[id] { nodes[id] = WalkedNode(node: node, distance: at) } }
        return (nodes, edges, truncated)
    }

    /// The ends not yet known, each once, in `(created_at, dataset_id)` order.
    private static func newEnds(_ edges: [GraphEdge], known: [UUID: Int], end: KeyPath<GraphEdge, UUID>) -> [UUID] {
        var seen: [UUID: Timestamp] = [:]
        for edge in edges where known[edge[keyPath: end]] == nil { seen[edge[keyPath: end]] = edge.neighbourCreatedAt }
        return seen.sorted { ($0.value, $0.key.orderKey.0, $0.key.orderKey.1) < ($1.value, $1.key.orderKey.0, $1.key.orderKey.1) }.map(\.key)
    }

    /// The answer in the contract's order.
    static func answer(_ asOf: ResolvedAsOf, nodes: [UUID: WalkedNode], edges: Set<GraphEdge>, truncated: Bool) -> WalkedGraph {
        let ordered = nodes.values.sorted { $0.sortKey(distance: $0.distance) < $1.sortKey(distance: $1.distance) }
        let kept = edges.filter { nodes[$0.parentID] != nil && nodes[$0.childID] != nil }
            .sorted { ($0.parentID.orderKey.0, $0.parentID.orderKey.1, $0.childID.orderKey.0, $0.childID.orderKey.1)
                < ($1.parentID.orderKey.0, $1.parentID.orderKey.1, $1.childID.orderKey.0, $1.childID.orderKey.1) }
        return WalkedGraph(asOf: asOf, nodes: ordered, edges: kept, truncated: truncated)
    }
}
