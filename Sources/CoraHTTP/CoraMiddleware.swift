import CoraData
import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The outermost layer of every request: correlation id in and out, route matching for 404/405 and
/// the metrics label, the one mapping of thrown errors to problem+json, metrics, and one log line.
struct CoraMiddleware: RouterMiddleware {
    typealias Context = CoraRequestContext
    let metrics: ServiceMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        if let given = request.headers[.correlationID].flatMap(UUID.init(strict:)) { context.correlationID = given }
        // The router has already matched the route (this middleware wraps each endpoint and the
        // not-found responder); only a request it could not serve is looked up here, for 404 or 405.
        let unserved = context.endpointPath == nil ? Endpoints.match(path: request.uri.path) : nil
        let route = context.endpointPath ?? unserved?.pattern ?? "unmatched"
        var response: Response
        do {
            if context.endpointPath == nil {
                guard unserved != nil else { throw RequestError.routeNotFound(request.uri.path) }
                throw RequestError.methodNotAllowed(method: request.method.rawValue, path: request.uri.path)
            }
            response = try await next(request, context)
        } catch let reportable as any ProblemReportable {
            response = Responses.problem(reportable.problem)
            if reportable.problem.status >= 500 { log(error: reportable, context) }
        } catch {
            log(error: error, context)
            response = Responses.problem(Responses.internalError)
        }
        if response.status == .methodNotAllowed, let methods = unserved?.methods {
            response.headers[.allow] = methods.map(\.rawValue).joined(separator: ", ")
        }
        response.headers[.correlationID] = context.correlationID.lowercased
        let duration = ContinuousClock.now - started
        metrics.recordRequest(method: request.method.rawValue, route: route, status: response.status.code, duration: duration)
        // Metadata given with the call, not set on a copy of the logger: each set makes the stream
        // handler re-render all of it (six times per request, measurable in a profile).
        logger.info("request", metadata: [
            "method": "\(request.method.rawValue)",
            "route": "\(route)",
            "status": "\(response.status.code)",
            "duration_ms": "\(Double(duration.components.attoseconds / 1_000_000_000_000) / 1000 + Double(duration.components.seconds) * 1000)",
            "principal": "\(request.headers[.principalID].flatMap(UUID.init(strict:))?.lowercased ?? "-")",
            "correlation_id": "\(context.correlationID.lowercased)",
        ])
        return response
    }

    private func log(error: any Error, _ context: Context) {
        logger.error("request failed", metadata: ["correlation_id": "\(context.correlationID.lowercased)", "error": "\(String(reflecting: error))"])
    }
}
