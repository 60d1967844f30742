import CoraData
import CoraKernel
import Foundation

/// The Dataset as a schema.org `Dataset`, also a DCAT `dcat:Dataset`, for dataset search engines and
/// knowledge graphs: what `GET /datasets/{id}` answers to `Accept: application/ld+json`, and the JSON-LD
/// a catalogue page carries.
enum SchemaOrgDataset {
    static func document(_ provenance: DatasetProvenance, settings: ExportSettings, linkBase: String?) -> JSONValue {
        let dataset = provenance.root.dataset
        var document: [String: JSONValue] = [
            "@context": [
                "@vocab": "https://schema.org/", "dcat": "http://www.w3.org/ns/dcat#", "prov": "http://www.w3.org/ns/prov#",
                "sha256": "https://w3id.org/ro/terms#sha256", "cora": .string(settings.namespace),
            ],
            "@id": .string(urn(dataset.id)), "@type": ["Dataset", "dcat:Dataset"], "identifier": .string(urn(dataset.id)),
            "name": .string(dataset.name.value), "description": .string(DatasetDescription.of(dataset)),
            "dateCreated": .string(dataset.createdAt.rfc3339), "dateModified": .string(dataset.updatedAt.rfc3339),
            "creativeWorkStatus": .string(dataset.intent.rawValue), "cora:status": .string(dataset.status.rawValue),
            "distribution": [
                "@type": ["DataDownload", "dcat:Distribution"], "contentUrl": .string(dataset.uri.value),
                "encodingFormat": .string(dataset.encoding.mediaType), "contentSize": .string(String(dataset.byteSize.value)),
                "sha256": .string(dataset.checksum.value),
            ],
        ]
        let parents: [JSONValue] = dataset.derivedFrom.sorted(by: uuidOrder).map { ["@id": .string(urn($0))] }
        if !parents.isEmpty {
            document["isBasedOn"] = .array(parents)
            document["prov:wasDerivedFrom"] = .array(parents)
        }
        let profiles = dataset.encoding.conformsTo.sorted(by: codePointOrder)
        if !profiles.isEmpty { document["conformsTo"] = .array(profiles.map { ["@id": .string($0)] }) }
        if let link = DatasetDescription.link(dataset.id, base: linkBase) { document["url"] = .string(link) }
        if let license = settings.license { document["license"] = ["@id": .string(license)] }
        if let publisher = settings.publisher { document["publisher"] = ["@type": "Organization", "name": .string(publisher)] }
        return .object(document)
    }
}
