import CoraData
import CoraKernel
import CoraPages
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension HTTPField.Name {
    static let contentSecurityPolicy = Self("Content-Security-Policy")!
    static let contentTypeOptions = Self("X-Content-Type-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
}

/// The catalog for people under `/ui/`: GET only, server-rendered, each page running the same slices as
/// the API (so the same policy), and answering a refusal with a page of the same status.
enum CatalogRoutes {
    /// Everything the pages load comes from this host; nothing runs in them (the JSON-LD block is data).
    static let securityPolicy = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func add(to router: Router<CoraRequestContext>, services: Services) {
        router.get("/") { _, _ in Response.redirect(to: CatalogLinks.root, type: .found) }
        router.get("/ui") { _, _ in Response.redirect(to: CatalogLinks.root, type: .found) }
        router.get("/ui/catalog.css") { _, _ in
            guard let catalog = services.catalog else { throw RequestError.routeNotFound("/ui/catalog.css") }
            return Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: catalog.pages.stylesheet)))
        }
        router.get("/ui/favicon.svg") { _, _ in
            guard let catalog = services.catalog else { throw RequestError.routeNotFound("/ui/favicon.svg") }
            return Response(status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "max-age=86400"],
                            body: .init(byteBuffer: ByteBuffer(bytes: catalog.pages.icon)))
        }
        router.get("/ui/login") { request, context in
            try await respond(request, context, services) { catalog in
                let token = request.uri.queryParameters["token"].map(String.init) ?? ""
                guard let principal = try await services.runner.dependencies.store.useLoginLink(tokenHash: CatalogAccess.tokenHash(token), now: catalog.clock.now()) else {
                    throw RequestError.unauthenticated("This login link is unknown, was used already or has expired (links work once, for 10 minutes).")
                }
                var response = Response.redirect(to: CatalogLinks.root, type: .normal)
                response.headers[.setCookie] = try catalog.sessionCookie(for: principal, secure: isSecure(request, services))
                return response
            }
        }
        router.get("/ui/datasets") { request, context in
            try await page(request, context, services) { catalog, caller in
                let query = pairs(request, allowed: ["status", "used_calibrations", "derived_from", "producing_run_id", "subject_id", "limit", "cursor"])
                let listed = try await services.runner.run(Slices.listDatasets, WireRequest(parameters: .pairs(query)), identify: { caller })
                let intents = try await services.runner.dependencies.store.currentNodes(listed.items.map(\.datasetID))
                let value = { (name: String) in query.first { $0.name == name }?.value }
                let filter = DatasetListView.Filter(status: value("status"), usedCalibration: value("used_calibrations"), derivedFrom: value("derived_from"),
                                                    producingRun: value("producing_run_id"), subject: value("subject_id"), limit: value("limit"))
                return html(catalog.pages.datasets(DatasetListView(
                    frame: PageFrame(title: "Datasets", principal: caller.principal), filter: filter,
                    items: listed.items.map { DatasetRowView($0, intent: intents[$0.datasetID]?.intent) }, nextCursor: listed.nextCursor)))
            }
        }
        router.get("/ui/datasets/:dataset_id") { request, context in
            try await page(request, context, services) { catalog, caller in
                let id = context.parameters.get("dataset_id") ?? ""
                let asOf = pairs(request, allowed: ["as_of_position", "as_of_time"])
                let identify: Identify = { caller }
                let dataset = try await services.runner.run(Slices.getDataset, WireRequest(path: ["dataset_id": id]), identify: identify)
                let lineage = try await services.runner.run(Slices.getDatasetLineage, WireRequest(
                    path: ["dataset_id": id], parameters: .pairs([("direction", "both"), ("depth", "3"), ("max_nodes", "200")] + asOf)), identify: identify)
                let history = try await services.runner.run(Slices.getDatasetHistory, WireRequest(path: ["dataset_id": id]), identify: identify)
                let visible = history.events.filter { event in
                    switch lineage.graph.asOf {
                    case .position(let position): event.position <= position
                    case .time(let time): event.recordedAt <= time
                    }
                }
                // The schema.org description in the head, for crawlers and citation tools; a caller not
                // granted exports still gets the page.
                let schemaOrg = try? await services.runner.run(Slices.exportSchemaOrg, WireRequest(path: ["dataset_id": id], parameters: .pairs(asOf)), identify: identify)
                let jsonLD = schemaOrg.map { CanonicalJSON.string($0.render(services.exports, requestBase: ContentNegotiation.requestBase(request))) }
                let value = { (name: String) in asOf.first { $0.name == name }?.value }
                return html(catalog.pages.dataset(DatasetView(
                    frame: PageFrame(title: dataset.name.value, principal: caller.principal, jsonLD: jsonLD), dataset: dataset, events: visible,
                    lineage: lineage, asOf: (value("as_of_position"), value("as_of_time")))))
            }
        }
        router.get("/ui/datasets/:dataset_id/export/:format") { request, context in
            try await page(request, context, services) { _, caller in
                let id = context.parameters.get("dataset_id") ?? ""
                let asOf = pairs(request, allowed: ["as_of_position", "as_of_time"])
                let wire: WireRequest
                let slice: Slice<WireRequest, (ExportFormat, ExportDataset), ExportedDocument>
                switch context.parameters.get("format") ?? "" {
                case let prov where prov.hasPrefix("prov-"): (slice, wire) = (Slices.exportProv, WireRequest(path: ["dataset_id": id], parameters: .pairs([("format", prov)] + asOf)))
                case "ro-crate": (slice, wire) = (Slices.exportROCrate, WireRequest(path: ["dataset_id": id], parameters: .pairs(asOf)))
                case "schema-org": (slice, wire) = (Slices.exportSchemaOrg, WireRequest(path: ["dataset_id": id], parameters: .pairs(asOf)))
                case let other: throw RequestError.invalidRequest(field: "format", detail: "Unknown export format '\(other)'.")
                }
                return Responses.export(try await services.runner.run(slice, wire, identify: { caller }), services: services, request: request)
            }
        }
        router.get("/ui/runs/:run_id") { request, context in
            try await page(request, context, services) { catalog, caller in
                let id = context.parameters.get("run_id") ?? ""
                let run = try await services.runner.run(Slices.getRun, WireRequest(path: ["run_id": id]), identify: { caller })
                let produced = try await services.runner.run(Slices.listDatasets, WireRequest(parameters: .pairs([("producing_run_id", run.id.lowercased), ("limit", "50")])),
                                                             identify: { caller })
                let intents = try await services.runner.dependencies.store.currentNodes(produced.items.map(\.datasetID))
                return html(catalog.pages.run(RunView(frame: PageFrame(title: "Run \(run.name)", principal: caller.principal), run: run,
                                                      produced: produced.items.map { DatasetRowView($0, intent: intents[$0.datasetID]?.intent) },
                                                      more: produced.next != nil)))
            }
        }
        router.get("/ui/calibration-revisions/:revision_id") { request, context in
            try await page(request, context, services) { catalog, caller in
                let id = context.parameters.get("revision_id") ?? ""
                let given = pairs(request, allowed: ["depth", "as_of_position", "as_of_time"])
                let parameters = (given.contains { $0.name == "depth" } ? [] : [("depth", "2")]) + given
                let impact = try await services.runner.run(Slices.getCalibrationImpact, WireRequest(path: ["revision_id": id], parameters: .pairs(parameters)),
                                                           identify: { caller })
                return html(catalog.pages.impact(ImpactView(frame: PageFrame(title: "Calibration revision \(impact.query.revisionID.lowercased)", principal: caller.principal),
                                                            impact: impact)))
            }
        }
    }

    /// Runs a page for a caller: the proxy's header or the session cookie, else a 401 page saying how to
    /// sign in.
    static func page(_ request: Request, _ context: CoraRequestContext, _ services: Services,
                     _ body: @escaping (CatalogAccess, CallContext) async throws -> Response) async throws -> Response {
        try await respond(request, context, services) { catalog in
            try await body(catalog, try identify(request, context, catalog))
        }
    }

    /// Answers a refusal as a page of the refusal's status (a 5xx is left to the middleware, which logs
    /// it), and puts the catalog's security headers on every answer.
    static func respond(_ request: Request, _ context: CoraRequestContext, _ services: Services,
                        _ body: (CatalogAccess) async throws -> Response) async throws -> Response {
        guard let catalog = services.catalog else { throw RequestError.routeNotFound(request.uri.path) }
        var response: Response
        do {
            response = try await body(catalog)
        } catch let reportable as any ProblemReportable {
            let problem = reportable.problem
            guard problem.status < 500 else { throw reportable }
            let signedIn = try? identify(request, context, catalog)
            response = html(catalog.pages.problem(ProblemView(frame: PageFrame(title: problem.code, principal: signedIn?.principal), problem: problem)),
                            status: .init(code: problem.status))
        }
        response.headers[.contentSecurityPolicy] = securityPolicy
        response.headers[.contentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "same-origin"
        response.headers[.cacheControl] = response.headers[.cacheControl] ?? "no-store"
        return response
    }

    /// The proxy's header when it is trusted, else the session cookie; otherwise nobody (401).
    static func identify(_ request: Request, _ context: CoraRequestContext, _ catalog: CatalogAccess) throws -> CallContext {
        if catalog.trustsProxyHeader, request.headers[.principalID] != nil {
            return try RestInput.caller(principalHeader: request.headers[.principalID], correlationID: context.correlationID)
        }
        guard let principal = catalog.principal(cookies: request.headers[.cookie]) else {
            throw RequestError.unauthenticated("No session: sign in with a login link.")
        }
        return CallContext(principal: principal, correlationID: context.correlationID)
    }

    /// The request's query parameters among `allowed`, empty ones dropped (an empty form field means
    /// "no filter"); others are not the page's business and are left out.
    static func pairs(_ request: Request, allowed: Set<String>) -> [(name: String, value: String)] {
        ((try? RestInput.queryPairs(request)) ?? []).filter { allowed.contains($0.name) && !$0.value.isEmpty }
    }

    static func isSecure(_ request: Request, _ services: Services) -> Bool {
        (services.exports.publicBaseURL ?? ContentNegotiation.requestBase(request) ?? "").hasPrefix("https://")
    }

    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
