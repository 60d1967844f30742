import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL

/// Reads the provider's JWKS document: a file, or an HTTPS URL fetched with async-http-client and the
/// system's trust roots plus an optional facility CA file.
public struct KeySetSource: Sendable {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    static let maximumBytes = 1 << 20
    let location: KeySetLocation
    let caFile: String?

    public init(_ location: KeySetLocation, caFile: String?) {
        self.location = location
        self.caFile = caFile
    }

    public func fetch() async throws(Unavailable) -> [UInt8] {
        switch location {
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw Unavailable(description: "cannot read the key set file \(path)") }
            return Array(data)
        case .https(let url):
            do {
                return try await download(url)
            } catch let unavailable as Unavailable {
                throw unavailable
            } catch {
                throw Unavailable(description: "cannot fetch the key set from \(url.absoluteString): \(error)")
            }
        }
    }

    /// One client per fetch: fetches happen at start and at most once a minute, and a client of our own
    /// is the only way to give async-http-client the facility's CA.
    private func download(_ url: URL) async throws -> [UInt8] {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, timeout: .init(connect: .seconds(5), read: .seconds(10)))
        // One attempt: a certificate the CA file does not vouch for is reported as that, at once, rather
        // than retried until a timeout hides it; the next unknown kid tries again a minute later.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await client.execute(request, timeout: .seconds(10))
            guard response.status == .ok else { throw Unavailable(description: "the key set at \(url.absoluteString) answered \(response.status.code)") }
            let body = try await response.body.collect(upTo: Self.maximumBytes)
            try await client.shutdown()
            return Array(body.readableBytesView)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}
