import CoraData
import CoraIdentity
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
    let authentication: Authentication
    let exports: ExportSettings
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        var context = context
        if let given = request.headers[.correlationID].flatMap(UUID.init(strict:)) { context.correlationID = given }
        context.identity = await authentication.identify(request, correlationID: context.correlationID)
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
            if let failure = reportable as? AuthenticationFailure,
               let challenge = failure.challenge(resourceMetadata: route == "/mcp" ? metadataURL(request) : nil) {
                response.headers[.wwwAuthenticate] = challenge
            }
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
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)",
            "route": "\(route)",
            "status": "\(response.status.code)",
            "duration_ms": "\(Double(duration.components.attoseconds / 1_000_000_000_000) / 1000 + Double(duration.components.seconds) * 1000)",
            "principal": "\((try? context.identity.get())?.principal.description ?? "-")",
            "correlation_id": "\(context.correlationID.lowercased)",
        ]
        // Why a token was refused, for whoever reads the log; never the token itself.
        if response.status == .unauthorized || response.status == .forbidden, case .failure(let failure as AuthenticationFailure) = context.identity {
            metadata["auth_error"] = "\(failure.logReason)"
        }
        logger.info("request", metadata: metadata)
        return response
    }

    /// RFC 9728's document for this service: where an MCP client learns how to get a token.
    private func metadataURL(_ request: Request) -> String? {
        guard let base = exports.publicBaseURL ?? ContentNegotiation.requestBase(request) else { return nil }
        return base + Authentication.metadataPath
    }

    private func log(error: any Error, _ context: Context) {
        logger.error("request failed", metadata: ["correlation_id": "\(context.correlationID.lowercased)", "error": "\(String(reflecting: error))"])
    }
}
