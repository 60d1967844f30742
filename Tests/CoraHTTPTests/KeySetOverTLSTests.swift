import CoraHTTP
import CoraIdentity
import CoraKernel
import CoraTestSupport
import Crypto
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import SwiftASN1
import Synchronization
import Testing
import X509

/// A certificate authority made for one test, and a server certificate for 127.0.0.1 it signed.
struct TestCertificateAuthority {
    let caPEM: String
    let serverCertificatePEM: String
    let serverKeyPEM: String

    init() throws {
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName { CommonName("CORA test CA") }
        let now = Date()
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(keyCertSign: true)
            },
            issuerPrivateKey: .init(caKey))
        let serverKey = P256.Signing.PrivateKey()
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 86_400, issuer: caName, subject: try DistinguishedName { CommonName("127.0.0.1") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: .init(caKey))
        caPEM = try ca.serializeAsPEM().pemString
        serverCertificatePEM = try server.serializeAsPEM().pemString
        serverKeyPEM = serverKey.pemRepresentation
    }
}

/// An HTTPS server publishing a JWKS document the test can change, counting how often it is read.
final class JWKSServer: Sendable {
    private let document: Mutex<String>
    private let reads = Mutex(0)
    var readCount: Int { reads.withLock { $0 } }

    init(_ jwks: String) {
        document = Mutex(jwks)
    }

    func publish(_ jwks: String) { document.withLock { $0 = jwks } }

    /// Serves `/jwks` over TLS with the authority's certificate while `body` runs; `body` gets the URL.
    func serving(_ authority: TestCertificateAuthority, _ body: (URL) async throws -> Void) async throws {
        let router = Router()
        router.get("/jwks") { _, _ in
            let text = self.document.withLock { $0 }
            self.reads.withLock { $0 += 1 }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(authority.serverCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(authority.serverKeyPEM.utf8), format: .pem)))
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "cora.test.jwks")
        logger.logLevel = .critical
        let app = Application(router: router, server: try .tls(tlsConfiguration: tls), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let server = Task { try await app.run() }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        try await body(try #require(URL(string: "https://127.0.0.1:\(port)/jwks")))
    }
}

@Suite("The provider's key set over TLS")
struct KeySetOverTLSTests {
    /// A key the provider starts signing with while the server runs is accepted without a restart, once
    /// the key set may be read again; a flood of unknown `kid`s reads it at most once a minute; the fetch
    /// trusts the facility CA given, and only with it.
    @Test func aRotatedKeyIsAcceptedWithoutRestartAndUnknownKidsDoNotFloodTheProvider() async throws {
        let provider = try await TestIdentityProvider()
        let rotated = try await TestIdentityProvider(rsaKid: "rsa-2", ecKid: "ec-2")
        let authority = try TestCertificateAuthority()
        let directory = try temporaryDirectory("tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let caFile = directory.appendingPathComponent("ca.pem")
        try authority.caPEM.write(to: caFile, atomically: true, encoding: .utf8)
        let jwks = JWKSServer(TestIdentityProvider.jwks([provider.rsa]))
        try await jwks.serving(authority) { url in
            // Without the facility CA the key set cannot be fetched: the server would not start.
            let untrusted = BearerVerifier(settings: BearerSettings(issuer: TestIdentityProvider.issuer, audience: TestIdentityProvider.audience, keySet: .https(url)),
                                           logger: Logger(label: "cora.test.bearer"))
            do {
                try await untrusted.loadKeys()
                Issue.record("the key set was fetched from a server no trusted CA vouches for")
            } catch {
                #expect("\(error)".contains("CERTIFICATE_VERIFY_FAILED"), "the reason is said: \(error)")
            }

            let clock = ManualClock()
            let settings = BearerSettings(issuer: TestIdentityProvider.issuer, audience: TestIdentityProvider.audience, keySet: .https(url), caFile: caFile.path)
            let verifier = BearerVerifier(settings: settings, clock: clock, logger: Logger(label: "cora.test.bearer"))
            try await verifier.loadKeys()
            #expect(jwks.readCount == 1)
            try await Harness.run(.sqlite, authentication: .bearer(verifier, settings)) { app in
                func status(_ key: TestIdentityProvider.Key, of issuer: TestIdentityProvider) async throws -> Int {
                    let token = try await issuer.token(TestIdentityProvider.claims(subject: Harness.principal, now: Double(clock.now().microsecondsSinceEpoch) / 1_000_000), with: key)
                    return try await app.send(.get, "/datasets", principal: nil, headers: ["Authorization": "Bearer \(token)"]).status
                }
                #expect(try await status(provider.rsa, of: provider) == 200)
                // The provider rotates; within a minute of the last read, the new kid is not looked up.
                jwks.publish(TestIdentityProvider.jwks([provider.rsa, rotated.rsa]))
                #expect(try await status(rotated.rsa, of: rotated) == 401)
                #expect(jwks.readCount == 1)
                clock.advance(seconds: 61)
                #expect(try await status(rotated.rsa, of: rotated) == 200, "read again for the unknown kid, no restart")
                #expect(jwks.readCount == 2)
                // Fifty made-up kids within the next minute: no read at all; past it, one.
                let forger = try await TestIdentityProvider(rsaKid: "made-up", ecKid: "made-up-too")
                for _ in 0..<50 { #expect(try await status(forger.ec, of: forger) == 401) }
                #expect(jwks.readCount == 2)
                clock.advance(seconds: 61)
                for _ in 0..<50 { #expect(try await status(forger.ec, of: forger) == 401) }
                #expect(jwks.readCount == 3)
                // Old and new keys both still verify.
                #expect(try await status(provider.rsa, of: provider) == 200)
                #expect(try await status(rotated.rsa, of: rotated) == 200)
            }
        }
    }
}
