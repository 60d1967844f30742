import CoraKernel
import Foundation

/// "This calibration revision was found to drift: what does it touch?" The Datasets citing it, and the
/// Datasets derived from those, to a depth, as of a point of the log.
public struct GetCalibrationImpact: Sendable, Equatable {
    public static let depthRange = 0...10

    public let revisionID: UUID
    public let depth: Int
    public let maxNodes: Int
    public let asOf: AsOf

    public init(revisionID: UUID, depth: Int = 3, maxNodes: Int = 500, asOf: AsOf = .latest) {
        self.revisionID = revisionID
        self.depth = depth
        self.maxNodes = maxNodes
        self.asOf = asOf
    }
}

public struct CalibrationImpact: Sendable, Equatable {
    public let query: GetCalibrationImpact
    public let graph: WalkedGraph

    /// Citing Datasets are at distance 1; everything further is derived from one.
    public func cites(_ node: WalkedNode) -> Bool { node.distance == 1 }
    public var citing: Int { graph.nodes.count { cites($0) } }
    public var descendants: Int { graph.nodes.count - citing }
    /// The review list: what is trusted today and may rest on the drifted revision.
    public var production: Int { graph.nodes.count { $0.node.intent == .production } }
}

public struct GetCalibrationImpactHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// A revision nobody cites answers an empty graph: revisions are not existence-checked.
    public func handle(_ query: GetCalibrationImpact) async throws -> CalibrationImpact {
        let graph = try await dependencies.store.readGraph { snapshot in
            let (visibility, asOf) = try await GraphWalk.resolve(query.asOf, in: snapshot)
            let citing = try await snapshot.citing(query.revisionID, visibility: visibility, limit: query.maxNodes + 1)
            let walk = GraphWalk(snapshot: snapshot, visibility: visibility, maxNodes: query.maxNodes, depth: query.depth)
            let (nodes, edges, truncated) = try await walk.run(start: Array(citing.prefix(query.maxNodes)), startDistance: 1, upstream: false, downstream: true,
                                                               startTruncated: citing.count > query.maxNodes)
            return GraphWalk.answer(asOf, nodes: nodes, edges: edges, truncated: truncated)
        }
        return CalibrationImpact(query: query, graph: graph)
    }
}
