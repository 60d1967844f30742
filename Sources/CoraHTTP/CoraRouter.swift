import CoraData
import CoraKernel
import Hummingbird
import Logging

public enum CoraRouter {
    /// The REST router: the middleware first (so it wraps every endpoint and the not-found responder),
    /// then one route per endpoint of the table.
    public static func build(services: Services, logger: Logger) -> Router<CoraRequestContext> {
        let router = Router(context: CoraRequestContext.self)
        router.add(middleware: CoraMiddleware(metrics: services.metrics, authentication: services.authentication, exports: services.exports, logger: logger))
        for endpoint in Endpoints.all {
            router.on(RouterPath(endpoint.routerPath), method: endpoint.method) { request, context in
                try await endpoint.handle(request, context, services)
            }
        }
        // The pages are for people, not part of the API that /openapi.json describes.
        CatalogRoutes.add(to: router, services: services)
        return router
    }
}
