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
    )) { _, _, _ in
        Responses.json(OpenAPIDocument.build(Endpoints.all))
    }
}
