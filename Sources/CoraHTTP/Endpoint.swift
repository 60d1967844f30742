import CoraData
import CoraKernel
import CoraMCP
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging

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

    /// A route that runs one slice: the request becomes the slice's wire request (a POST's body through
    /// the 413 and 415 checks first), the runner runs it, `respond` writes the answer.
    init<Command, Output>(
        _ method: HTTPRequest.Method, _ path: String, _ slice: Slice<WireRequest, Command, Output>, _ openAPI: OpenAPIOperation,
        respond: @escaping @Sendable (Output) -> Response
    ) {
        let parameters = Self.parameterNames(path)
        let takesBody = method == .post
        self.init(method, path, openAPI.documenting(slice, pathParameters: parameters, body: takesBody)) { request, context, services in
            guard takesBody else {
                return respond(try await services.runner.run(slice, try RestInput.query(request, context, path: parameters), identify: RestInput.identify(request, context)))
            }
            let wire = try await RestInput.command(request, context, path: parameters)
            let (output, position) = try await services.runner.runCommand(slice, wire, identify: RestInput.identify(request, context))
            var response = respond(output)
            response.headers[.coraPosition] = String(position)
            return response
        }
    }

    /// A route that exports a Dataset: the document in the slice's format, its media type, a hash ETag.
    init(_ method: HTTPRequest.Method, _ path: String, export slice: Slice<WireRequest, (ExportFormat, ExportDataset), ExportedDocument>,
         _ openAPI: OpenAPIOperation) {
        let parameters = Self.parameterNames(path)
        self.init(method, path, openAPI.documenting(slice, pathParameters: parameters, body: false)) { request, context, services in
            let document = try await services.runner.run(slice, try RestInput.query(request, context, path: parameters), identify: RestInput.identify(request, context))
            return Responses.export(document, services: services, request: request)
        }
    }

    static func parameterNames(_ path: String) -> [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
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

/// What the routes need: the runner, the metrics registry, the MCP sessions.
public struct Services: Sendable {
    public let runner: SliceRunner
    public let metrics: ServiceMetrics
    public let exports: ExportSettings
    public let authentication: Authentication
    /// The pages for people; without it `/ui/` answers 404.
    public let catalog: CatalogAccess?
    /// The live followers of `GET /events/stream`.
    public let feed: EventFeedFollowers
    let mcpSessions: MCPSessions

    public init(runner: SliceRunner, metrics: ServiceMetrics, logger: Logger, mcpSessionLimits: MCPSessionLimits = MCPSessionLimits(),
                exports: ExportSettings = ExportSettings(), authentication: Authentication = .header, catalog: CatalogAccess? = nil,
                feed: EventFeedFollowers? = nil) {
        self.runner = runner
        self.feed = feed ?? EventFeedFollowers(store: runner.dependencies.store)
        self.metrics = metrics
        self.exports = exports
        self.authentication = authentication
        self.catalog = catalog
        self.mcpSessions = MCPSessions(runner: runner, logger: logger, limits: mcpSessionLimits, exports: exports)
    }
}

/// The route table. Operations routes (`/healthz`, `/metrics`, …) are here too so that OpenAPI and
/// the metrics label cover them.
public enum Endpoints {
    public static let all: [Endpoint] = [
        registerDataset, listDatasets, getDataset, getDatasetHistory, promoteDataset, demoteDataset, discardDataset,
        getDatasetLineage, getCalibrationImpact, exportProv, exportROCrate, readEvents, readEventStream,
        registerSubject, getSubject, startRun, getRun, endRun,
        mcpPost, mcpGet, mcpDelete,
        healthz, readyz, metrics, openAPIDocument, protectedResourceMetadata,
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
