import CoraKernel
import CoraWire
import Foundation
import Hummingbird
import Logging

/// Per-request state: Hummingbird's core storage plus the correlation id every response echoes.
public struct CoraRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var correlationID: UUID
    /// Who is calling, resolved once per request by the middleware (a bearer token is verified there).
    var identity: Result<CallContext, any Error>

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.correlationID = UUID()
        self.identity = .failure(RequestError.unauthenticated("The caller was not identified."))
    }

    /// The body limit is enforced by `RequestInput`, which answers 413 as a problem.
    public var maxUploadSize: Int { RestInput.maximumBodyBytes }
}
