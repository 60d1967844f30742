import ArgumentParser
import CoraData
import CoraIdentity
import CoraKernel
import CoraWire
import Foundation
import Logging

/// Where the events live, from `CORA_DATABASE_URL`: `sqlite:<path>` (default `sqlite:cora.sqlite3`) or
/// `postgres://user:password@host:port/database`.
enum DatabaseLocation: Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    init(url: String) throws(ConfigurationError) {
        if url.hasPrefix("sqlite:") {
            let path = String(url.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw ConfigurationError(description: "CORA_DATABASE_URL 'sqlite:' needs a path, e.g. sqlite:cora.sqlite3") }
            self = .sqlite(path: path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(url: url)
        } else {
            throw ConfigurationError(description: "CORA_DATABASE_URL must be sqlite:<path> or postgres://user:password@host:port/database; got '\(url)'")
        }
    }
}

struct ConfigurationError: Error, CustomStringConvertible {
    let description: String
}

/// The flags every subcommand takes: the store, logging, the access policy and the idempotency window
/// (a CLI command shares keys and grants with the server, so it must read them the same way).
struct StoreSettings: ParsableArguments {
    @Option(name: .long, help: "sqlite:<path> or postgres://user:password@host:port/db (env CORA_DATABASE_URL; default sqlite:cora.sqlite3)")
    var databaseURL: String?

    @Option(name: .long, help: "trace|debug|info|notice|warning|error|critical (env CORA_LOG_LEVEL; default info)")
    var logLevel: String?

    @Option(name: .long, help: "JSON grants file (env CORA_POLICY_FILE); without one every principal may do everything")
    var policyFile: String?

    @Option(name: .long, help: "Seconds idempotency keys are kept, at least 86400 (env CORA_IDEMPOTENCY_TTL; default 86400)")
    var idempotencyTTL: Int64?

    @Option(name: .long, help: "The service's external URL, for links and exported identifiers (env CORA_PUBLIC_BASE_URL; default: the request's own)")
    var publicBaseURL: String?

    @Option(name: .long, help: "License URL the exports declare (env CORA_EXPORT_LICENSE; default: none declared)")
    var exportLicense: String?

    @Option(name: .long, help: "Organization the exports name as publisher (env CORA_PUBLISHER_NAME)")
    var publisherName: String?
}

/// The flags only `serve` takes.
struct ServerSettings: ParsableArguments {
    @Option(name: .long, help: "Listen address (env CORA_HOST; default 127.0.0.1)")
    var host: String?

    @Option(name: .long, help: "Listen port (env CORA_PORT; default 8080)")
    var port: Int?

    @Option(name: .long, help: "Seconds an unused MCP HTTP session is kept (env CORA_MCP_SESSION_IDLE_TIMEOUT; default 1800)")
    var mcpSessionIdleTimeout: Int?

    @Option(name: .long, help: "MCP HTTP sessions kept at once per process (env CORA_MCP_MAX_SESSIONS; default 1000)")
    var mcpMaxSessions: Int?

    @Option(name: .customLong("database-read-url"),
            help: "A PostgreSQL hot standby for reads; repeat for several (env CORA_DATABASE_READ_URL, comma-separated; default: none, every read on the primary)")
    var databaseReadURLs: [String] = []

    @Option(name: .long, help: "GET /events/stream connections served at once per process (env CORA_FEED_MAX_STREAMS; default 100)")
    var feedMaxStreams: Int?

    @Option(name: .long, help: "header (X-Principal-Id, set by a proxy) or bearer (tokens of the identity provider) (env CORA_AUTH_MODE; default header)")
    var authMode: String?

    @Option(name: .customLong("oidc-issuer"), help: "Bearer mode: the provider's issuer, exactly as tokens carry it in iss (env CORA_OIDC_ISSUER)")
    var oidcIssuer: String?

    @Option(name: .customLong("oidc-audience"), help: "Bearer mode: the audience tokens must name in aud (env CORA_OIDC_AUDIENCE)")
    var oidcAudience: String?

    @Option(name: .customLong("oidc-jwks"), help: "Bearer mode: the provider's key set, an https:// URL or a file (env CORA_OIDC_JWKS)")
    var oidcJWKS: String?

    @Option(name: .customLong("oidc-principal-claim"), help: "Bearer mode: the claim naming the principal (env CORA_OIDC_PRINCIPAL_CLAIM; default sub)")
    var oidcPrincipalClaim: String?

    @Option(name: .customLong("oidc-subject-map"), help: "Bearer mode: JSON file {\"<claim value>\": \"<uuid>\"} for claims that are not UUIDs (env CORA_OIDC_SUBJECT_MAP)")
    var oidcSubjectMap: String?

    @Option(name: .customLong("oidc-groups-claim"), help: "Bearer mode: the claim listing the caller's groups (env CORA_OIDC_GROUPS_CLAIM; default groups)")
    var oidcGroupsClaim: String?

    @Option(name: .customLong("oidc-ca-file"), help: "Bearer mode: PEM certificate authorities trusted for the key set URL, besides the system's (env CORA_OIDC_CA_FILE)")
    var oidcCAFile: String?

    @Option(name: .long, help: "The principal the login link printed at start signs in as (env CORA_UI_PRINCIPAL; default: the database's operator principal)")
    var uiPrincipal: String?

    @Flag(name: .long, help: "Bearer mode: let the catalog pages take X-Principal-Id from a verifying proxy (env CORA_UI_TRUST_PROXY_HEADER=true)")
    var uiTrustProxyHeader = false
}

/// Every setting, resolved once for any subcommand: a flag wins over its environment variable, which
/// wins over the default that needs no setup.
struct Configuration: Equatable {
    var database = DatabaseLocation.sqlite(path: "cora.sqlite3")
    var logLevel = Logger.Level.info
    var policyFile: String?
    var idempotencyTTLSeconds: Int64 = 86_400
    var host = "127.0.0.1"
    var port = 8080
    var mcpSessionIdleSeconds = 1800
    var mcpMaxSessions = 1000
    var feedMaxStreams = 100
    /// Hot standbys of the PostgreSQL primary that serve reads.
    var readReplicaURLs: [String] = []
    var exports = ExportSettings()
    /// Bearer mode's settings; nil in header mode.
    var bearer: BearerSettings?
    var uiPrincipal: UUID?
    var uiTrustsProxyHeader = false

    /// Where people reach this server: the public base URL, or the address it listens on.
    var baseURL: String { exports.publicBaseURL ?? "http://\(host):\(port)" }

    static func resolve(_ store: StoreSettings, server: ServerSettings? = nil,
                        environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> Configuration {
        func value(_ flag: String?, _ name: String) -> String? {
            flag ?? environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        func integer(_ flag: Int?, _ name: String, minimum: Int, unit: String = "") throws(ConfigurationError) -> Int? {
            var given = flag
            if given == nil, let text = value(nil, name) {
                guard let parsed = Int(text) else { throw ConfigurationError(description: "\(name) must be a whole number; got '\(text)'") }
                given = parsed
            }
            guard let number = given else { return nil }
            guard number >= minimum else { throw ConfigurationError(description: "\(name) must be at least \(minimum)\(unit); got \(number)") }
            return number
        }
        var configuration = Configuration()
        if let url = value(store.databaseURL, "CORA_DATABASE_URL") { configuration.database = try DatabaseLocation(url: url) }
        if let level = value(store.logLevel, "CORA_LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else { throw ConfigurationError(description: "unknown log level '\(level)'") }
            configuration.logLevel = parsed
        }
        configuration.policyFile = value(store.policyFile, "CORA_POLICY_FILE")
        if let ttl = try integer(store.idempotencyTTL.map(Int.init), "CORA_IDEMPOTENCY_TTL", minimum: 86_400, unit: " seconds (24 hours)") {
            configuration.idempotencyTTLSeconds = Int64(ttl)
        }
        func webURL(_ given: String?, _ name: String, example: String) throws(ConfigurationError) -> String? {
            guard let given else { return nil }
            guard let url = URL(string: given), url.scheme.map({ ["http", "https"].contains($0) }) == true, url.host?.isEmpty == false else {
                throw ConfigurationError(description: "\(name) must be an http(s) URL such as \(example); got '\(given)'")
            }
            return given
        }
        configuration.exports = ExportSettings(
            publicBaseURL: try webURL(value(store.publicBaseURL, "CORA_PUBLIC_BASE_URL"), "CORA_PUBLIC_BASE_URL", example: "https://catalogue.example.org"),
            license: try webURL(value(store.exportLicense, "CORA_EXPORT_LICENSE"), "CORA_EXPORT_LICENSE", example: "https://creativecommons.org/licenses/by/4.0/"),
            publisher: value(store.publisherName, "CORA_PUBLISHER_NAME"))
        configuration.host = value(server?.host, "CORA_HOST") ?? configuration.host
        configuration.port = try integer(server?.port, "CORA_PORT", minimum: 0) ?? configuration.port
        configuration.mcpSessionIdleSeconds = try integer(server?.mcpSessionIdleTimeout, "CORA_MCP_SESSION_IDLE_TIMEOUT", minimum: 1) ?? configuration.mcpSessionIdleSeconds
        configuration.mcpMaxSessions = try integer(server?.mcpMaxSessions, "CORA_MCP_MAX_SESSIONS", minimum: 1) ?? configuration.mcpMaxSessions
        configuration.feedMaxStreams = try integer(server?.feedMaxStreams, "CORA_FEED_MAX_STREAMS", minimum: 1) ?? configuration.feedMaxStreams
        if let server {
            let readURLs = server.databaseReadURLs.isEmpty
                ? (value(nil, "CORA_DATABASE_READ_URL") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                : server.databaseReadURLs
            for url in readURLs {
                guard case .postgres = try DatabaseLocation(url: url) else {
                    throw ConfigurationError(description: "CORA_DATABASE_READ_URL names PostgreSQL hot standbys (postgres://…); got '\(url)'")
                }
            }
            if !readURLs.isEmpty, case .sqlite = configuration.database {
                throw ConfigurationError(description: "CORA_DATABASE_READ_URL needs a PostgreSQL primary in CORA_DATABASE_URL: replicas are PostgreSQL streaming replication")
            }
            configuration.readReplicaURLs = readURLs
            configuration.bearer = try bearerSettings(server, value: value)
            if let principal = value(server.uiPrincipal, "CORA_UI_PRINCIPAL") {
                guard let uuid = UUID(strict: principal) else { throw ConfigurationError(description: "CORA_UI_PRINCIPAL must be a UUID; got '\(principal)'") }
                configuration.uiPrincipal = uuid
            }
            // The header names the caller in header mode anyway; in bearer mode only when the operator says so.
            configuration.uiTrustsProxyHeader = configuration.bearer == nil || server.uiTrustProxyHeader
                || ["true", "1", "yes"].contains(environment["CORA_UI_TRUST_PROXY_HEADER"]?.lowercased() ?? "")
        }
        return configuration
    }

    /// Bearer mode's settings, every required one named when missing: a server that cannot verify tokens
    /// must not start.
    private static func bearerSettings(_ server: ServerSettings, value: (String?, String) -> String?) throws(ConfigurationError) -> BearerSettings? {
        switch value(server.authMode, "CORA_AUTH_MODE") ?? "header" {
        case "header": return nil
        case "bearer": break
        case let other: throw ConfigurationError(description: "CORA_AUTH_MODE must be header or bearer; got '\(other)'")
        }
        func required(_ flag: String?, _ name: String, _ meaning: String) throws(ConfigurationError) -> String {
            guard let given = value(flag, name) else { throw ConfigurationError(description: "CORA_AUTH_MODE=bearer needs \(name): \(meaning)") }
            return given
        }
        let issuer = try required(server.oidcIssuer, "CORA_OIDC_ISSUER", "the identity provider's issuer, exactly as its tokens carry it in iss")
        let audience = try required(server.oidcAudience, "CORA_OIDC_AUDIENCE", "the audience this service's tokens name in aud")
        let jwks = try required(server.oidcJWKS, "CORA_OIDC_JWKS", "the provider's key set, an https:// URL or a file path")
        let keySet: KeySetLocation
        if jwks.lowercased().hasPrefix("https://") {
            guard let url = URL(string: jwks), url.host?.isEmpty == false else { throw ConfigurationError(description: "CORA_OIDC_JWKS is not a URL: '\(jwks)'") }
            keySet = .https(url)
        } else if jwks.contains("://") {
            throw ConfigurationError(description: "CORA_OIDC_JWKS must be an https:// URL or a file path; got '\(jwks)'")
        } else {
            keySet = .file(jwks)
        }
        var subjectMap: [String: UUID] = [:]
        if let path = value(server.oidcSubjectMap, "CORA_OIDC_SUBJECT_MAP") {
            guard let data = FileManager.default.contents(atPath: path) else { throw ConfigurationError(description: "cannot read CORA_OIDC_SUBJECT_MAP file \(path)") }
            do { subjectMap = try BearerSettings.subjectMap(json: Array(data)) } catch { throw ConfigurationError(description: "CORA_OIDC_SUBJECT_MAP \(path): \(error.description)") }
        }
        let caFile = value(server.oidcCAFile, "CORA_OIDC_CA_FILE")
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) { throw ConfigurationError(description: "cannot read CORA_OIDC_CA_FILE \(caFile)") }
        return BearerSettings(issuer: issuer, audience: audience, keySet: keySet,
                              principalClaim: value(server.oidcPrincipalClaim, "CORA_OIDC_PRINCIPAL_CLAIM") ?? "sub", subjectMap: subjectMap,
                              groupsClaim: value(server.oidcGroupsClaim, "CORA_OIDC_GROUPS_CLAIM") ?? "groups", caFile: caFile)
    }

    /// The access policy: the file's grants, or allow-all with a warning when no file is configured.
    func loadPolicy(logger: Logger) throws -> AccessPolicy {
        guard let policyFile else {
            logger.warning("No CORA_POLICY_FILE configured: every authenticated principal may run every command and query.")
            return .allowAll
        }
        guard let data = FileManager.default.contents(atPath: policyFile) else {
            throw ConfigurationError(description: "cannot read policy file \(policyFile)")
        }
        do {
            return try AccessPolicy(json: Array(data))
        } catch {
            throw ConfigurationError(description: "policy file \(policyFile): \(error.description)")
        }
    }
}
