import CoraData
import CoraWire
import CoraKernel
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Endpoints {
    static let healthz = Endpoint(.get, "/healthz", OpenAPIOperation(
        "Healthz", "The process is up.", responses: [(200, "Up.", ["type": "object"])], authenticated: false
    )) { _, _, _ in
        Responses.json(["status": "ok"])
    }

    static let readyz = Endpoint(.get, "/readyz", OpenAPIOperation(
        "Readyz", "The store is reachable (503 StoreUnavailable otherwise).", responses: [(200, "Ready.", ["type": "object"])],
        refusals: ["StoreUnavailable"], authenticated: false
    )) { _, _, services in
        do {
            try await services.runner.dependencies.store.ping()
        } catch {
            throw StoreError.unavailable("ping failed")
        }
        return Responses.json(["status": "ready"])
    }

    static let metrics = Endpoint(.get, "/metrics", OpenAPIOperation(
        "Metrics", "Prometheus text exposition.", responses: [(200, "Metrics.", nil)], authenticated: false
    )) { _, _, services in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(bytes: services.metrics.exposition())))
    }

    static let openAPIDocument = Endpoint(.get, "/openapi.json", OpenAPIOperation(
        "OpenAPI", "This document.", responses: [(200, "OpenAPI 3.1.", ["type": "object"])], authenticated: false
    )) { _, _, services in
        Responses.json(OpenAPIDocument.build(Endpoints.all, bearer: services.authentication.isBearer))
    }

    /// RFC 9728 protected resource metadata, so a client (an MCP client in particular) can discover
    /// which authorization server issues this service's tokens. Only in bearer mode.
    static let protectedResourceMetadata = Endpoint(.get, Authentication.metadataPath, OpenAPIOperation(
        "ProtectedResourceMetadata", "OAuth 2.0 protected resource metadata (RFC 9728), in bearer mode.",
        responses: [(200, "The metadata.", Schema.protectedResourceMetadata)], refusals: ["NotFound"], authenticated: false
    )) { request, _, services in
        let resource = services.exports.publicBaseURL ?? ContentNegotiation.requestBase(request) ?? ""
        guard let document = services.authentication.protectedResourceMetadata(resource: resource) else {
            throw RequestError.notBearerMode
        }
        return Responses.json(document)
    }
}
