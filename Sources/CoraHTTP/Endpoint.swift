import CoraData
import CoraKernel
import Foundation
import HTTPTypes
import Hummingbird

/// One route: its method, its path pattern as OpenAPI writes it, what OpenAPI says of it, and the
/// function that serves it. The table of endpoints is the single source for the router, the metrics'
/// `route` label, 405 answers and `/openapi.json`.
public struct Endpoint: Sendable {
    public let method: HTTPRequest.Method
    /// `/datasets/{dataset_id}`
    public let path: String
    public let openAPI: OpenAPIOperation
    let handle: @Sendable (Request, CoraRequestContext, Services) async throws -> Response

    init(_ method: HTTPRequest.Method, _ path: String, _ openAPI: OpenAPIOperation,
         handle: @escaping @Sendable (Request, CoraRequestContext, Services) async throws -> Response) {
        self.method = method
        self.path = path
        self.openAPI = openAPI
        self.handle = handle
    }

    var segments: [Substring] { path.split(separator: "/") }

    /// Hummingbird's spelling of the pattern (`:dataset_id`).
    var routerPath: String {
        "/" + segments.map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : $0 }.joined(separator: "/")
    }

    func matches(_ requestSegments: [Substring]) -> Bool {
        let own = segments
        guard own.count == requestSegments.count else { return false }
        return zip(own, requestSegments).allSatisfy { pattern, actual in pattern.hasPrefix("{") || pattern == actual }
    }
}

/// Every handler the routes call, built once from the service dependencies.
public struct Services: Sendable {
    public let dependencies: ServiceDependencies
    public let metrics: ServiceMetrics
    let registerDataset: RegisterDatasetHandler
    let promoteDataset: PromoteDatasetHandler
    let demoteDataset: DemoteDatasetHandler
    let discardDataset: DiscardDatasetHandler
    let getDataset: GetDatasetHandler
    let getDatasetHistory: GetDatasetHistoryHandler
    let listDatasets: ListDatasetsHandler
    let registerSubject: RegisterSubjectHandler
    let getSubject: GetSubjectHandler
    let startRun: StartRunHandler
    let endRun: EndRunHandler
    let getRun: GetRunHandler

    public init(_ dependencies: ServiceDependencies, metrics: ServiceMetrics) {
        self.dependencies = dependencies
        self.metrics = metrics
        registerDataset = .init(dependencies)
        promoteDataset = .init(dependencies)
        demoteDataset = .init(dependencies)
        discardDataset = .init(dependencies)
        getDataset = .init(dependencies)
        getDatasetHistory = .init(dependencies)
        listDatasets = .init(dependencies)
        registerSubject = .init(dependencies)
        getSubject = .init(dependencies)
        startRun = .init(dependencies)
        endRun = .init(dependencies)
        getRun = .init(dependencies)
    }
}

/// The route table. Operations routes (`/healthz`, `/metrics`, …) are here too so that OpenAPI and
/// the metrics label cover them.
public enum Endpoints {
    public static let all: [Endpoint] = [
        registerDataset, listDatasets, getDataset, getDatasetHistory, promoteDataset, demoteDataset, discardDataset,
        registerSubject, getSubject, startRun, getRun, endRun,
        healthz, readyz, metrics, openAPIDocument,
    ]

    /// The pattern a path belongs to, and the methods that pattern allows.
    static func match(path: String) -> (pattern: String, methods: [HTTPRequest.Method])? {
        let requestSegments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { $0 }
        let candidates = all.filter { $0.matches(requestSegments) }
        // A literal segment beats a parameter (`/datasets/x/history` vs `/datasets/{id}`) by count of literals.
        guard let best = candidates.max(by: { literalCount($0) < literalCount($1) }) else { return nil }
        return (best.path, candidates.filter { $0.path == best.path }.map(\.method))
    }

    private static func literalCount(_ endpoint: Endpoint) -> Int {
        endpoint.segments.filter { !$0.hasPrefix("{") }.count
    }
}
