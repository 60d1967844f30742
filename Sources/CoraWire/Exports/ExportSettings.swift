import CoraData
import CoraKernel
import Foundation

/// What the exports say about the service that wrote them: where its records live on the web, under
/// which license, published by whom. Configured by the operator (CORA_PUBLIC_BASE_URL,
/// CORA_EXPORT_LICENSE, CORA_PUBLISHER_NAME).
public struct ExportSettings: Sendable, Equatable {
    /// `https://catalogue.example.org` (no trailing slash); links and the `cora:` namespace are under it.
    public let publicBaseURL: String?
    public let license: String?
    public let publisher: String?

    public init(publicBaseURL: String? = nil, license: String? = nil, publisher: String? = nil) {
        self.publicBaseURL = publicBaseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.license = license
        self.publisher = publisher
    }

    /// The `cora:` vocabulary: `<base>/ns#`, or a reserved domain when no base is configured, so an
    /// unconfigured service never mints terms under a host it does not own.
    public var namespace: String { (publicBaseURL ?? "https://cora.invalid") + "/ns#" }

    /// The base links are written under: the configured one, else the request's own (when there is one).
    public func linkBase(requestBase: String?) -> String? { publicBaseURL ?? requestBase }
}

/// The formats a Dataset is exported in.
public enum ExportFormat: String, Sendable, CaseIterable {
    case provJSON = "prov-json"
    case provJSONLD = "prov-jsonld"
    case provO = "prov-o"
    case roCrate = "ro-crate"
    case schemaOrg = "schema-org"

    public var isProv: Bool { self == .provJSON || self == .provJSONLD || self == .provO }

    public var mediaType: String { self == .provJSON ? "application/json" : "application/ld+json" }
}

/// An export as the runner answers it: the provenance, and the format asked for.
public struct ExportedDocument: Sendable {
    public let format: ExportFormat
    public let provenance: DatasetProvenance

    /// The document itself.
    public func render(_ settings: ExportSettings, requestBase: String?) -> JSONValue {
        switch format {
        case .provJSON: ProvDocumentModel(provenance, namespace: settings.namespace).provJSON
        case .provJSONLD: ProvDocumentModel(provenance, namespace: settings.namespace).provJSONLD
        case .provO: ProvDocumentModel(provenance, namespace: settings.namespace).provO
        case .roCrate: ROCrate.document(provenance, settings: settings, linkBase: settings.linkBase(requestBase: requestBase))
        case .schemaOrg: SchemaOrgDataset.document(provenance, settings: settings, linkBase: settings.linkBase(requestBase: requestBase))
        }
    }

    /// A strong ETag over the body: it changes exactly when the document does.
    public static func entityTag(_ body: [UInt8]) -> String {
        "\"" + Digest.sha256Hex(body).prefix(32) + "\""
    }
}

func urn(_ id: UUID) -> String { "urn:uuid:" + id.lowercased }
