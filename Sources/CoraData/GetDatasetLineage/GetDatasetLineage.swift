import CoraKernel
import Foundation

public enum LineageDirection: String, Sendable, CaseIterable {
    case upstream, downstream, both
}

/// The Datasets a Dataset was derived from (upstream), those derived from it (downstream), or both, to a
/// depth, as of a point of the log.
public struct GetDatasetLineage: Sendable, Equatable {
    public static let depthRange = 1...10
    public static let maxNodesRange = 1...2000

    public let datasetID: UUID
    public let direction: LineageDirection
    public let depth: Int
    public let maxNodes: Int
    public let asOf: AsOf

    public init(datasetID: UUID, direction: LineageDirection = .both, depth: Int = 3, maxNodes: Int = 500, asOf: AsOf = .latest) {
        self.datasetID = datasetID
        self.direction = direction
        self.depth = depth
        self.maxNodes = maxNodes
        self.asOf = asOf
    }
}

public struct DatasetLineage: Sendable, Equatable {
    public let query: GetDatasetLineage
    public let graph: WalkedGraph
}

public struct GetDatasetLineageHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(_ query: GetDatasetLineage) async throws -> DatasetLineage {
        let graph = try await dependencies.store.readGraph { snapshot in
            let (visibility, asOf) = try await GraphWalk.resolve(query.asOf, in: snapshot)
            let walk = GraphWalk(snapshot: snapshot, visibility: visibility, maxNodes: query.maxNodes, depth: query.depth)
            let (nodes, edges, truncated) = try await walk.run(start: [query.datasetID], startDistance: 0,
                                                               upstream: query.direction != .downstream, downstream: query.direction != .upstream)
            guard nodes[query.datasetID] != nil else { throw DatasetError.notFound(query.datasetID) }
            return GraphWalk.answer(asOf, nodes: nodes, edges: edges, truncated: truncated)
        }
        return DatasetLineage(query: query, graph: graph)
    }
}
