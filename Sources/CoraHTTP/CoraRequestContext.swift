import CoraKernel
import CoraWire
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Per-request state: Hummingbird's core storage plus the correlation id every response echoes.
public struct CoraRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var correlationID: UUID
    /// Who is calling, resolved once per request by the middleware (a bearer token is verified there).
    var identity: Result<CallContext, any Error>
    /// Completes when the client's connection closes: a long response (an event stream) stops there.
    let connectionClosed: EventLoopFuture<Void>

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.connectionClosed = source.channel.closeFuture
        self.correlationID = UUID()
        self.identity = .failure(RequestError.unauthenticated("The caller was not identified."))
    }

    /// The body limit is enforced by `RequestInput`, which answers 413 as a problem.
    public var maxUploadSize: Int { RestInput.maximumBodyBytes }
}
