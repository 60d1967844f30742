import CoraData
import CoraKernel
import Foundation

/// The Dataset as an RO-Crate 1.2 metadata document (`ro-crate-metadata.json`): the metadata
/// descriptor, the root Data Entity (the record), the File at the Dataset's URI, the Datasets it is
/// based on, and a CreateAction for the producing Run. Hand-written: none of the listed packages writes
/// RO-Crate.
enum ROCrate {
    static let profile = "https://w3id.org/ro/crate/1.2"

    static func document(_ provenance: DatasetProvenance, settings: ExportSettings, linkBase: String?) -> JSONValue {
        let dataset = provenance.root.dataset
        let file = dataset.uri.value
        var root: [String: JSONValue] = [
            "@id": "./", "@type": "Dataset", "identifier": .string(urn(dataset.id)), "name": .string(dataset.name.value),
            "description": .string(DatasetDescription.of(dataset)), "dateCreated": .string(dataset.createdAt.rfc3339),
            // The time of the Dataset's latest event, so the document stays the same until the Dataset changes.
            "datePublished": .string((provenance.root.events.last?.occurredAt ?? dataset.updatedAt).rfc3339),
            "hasPart": [["@id": .string(file)]], "creativeWorkStatus": .string(dataset.intent.rawValue),
        ]
        var graph: [JSONValue] = [
            ["@id": "ro-crate-metadata.json", "@type": "CreativeWork", "conformsTo": ["@id": .string(profile)], "about": ["@id": "./"]],
        ]
        var context: [JSONValue] = []
        if let license = settings.license {
            root["license"] = ["@id": .string(license)]
            context.append(["@id": .string(license), "@type": "CreativeWork", "name": .string(license)])
        } else {
            root["license"] = ["@id": "#no-license-declared"]
            context.append(["@id": "#no-license-declared", "@type": "CreativeWork", "name": "No license declared",
                            "description": "No license has been declared for this record; ask its publisher before reusing the data."])
        }
        if let publisher = settings.publisher {
            root["publisher"] = ["@id": "#publisher"]
            context.append(["@id": "#publisher", "@type": "Organization", "name": .string(publisher)])
        }
        if let link = DatasetDescription.link(dataset.id, base: linkBase) { root["url"] = .string(link) }
        let parents = dataset.derivedFrom.sorted(by: uuidOrder)
        if !parents.isEmpty { root["isBasedOn"] = .array(parents.map { ["@id": .string(urn($0))] }) }
        let named = Dictionary(uniqueKeysWithValues: provenance.parents.map { ($0.id, $0.name.value) })
        // The parents are other records of the catalogue, not part of this crate: contextual entities, not
        // Data Entities (a Dataset-typed entity would have to be in hasPart).
        for parent in parents {
            var entity: [String: JSONValue] = ["@id": .string(urn(parent)), "@type": "CreativeWork", "identifier": .string(urn(parent))]
            if let link = DatasetDescription.link(parent, base: linkBase) { entity["url"] = .string(link) }
            if let name = named[parent] { entity["name"] = .string(name) }
            context.append(.object(entity))
        }
        var fileEntity: [String: JSONValue] = [
            "@id": .string(file), "@type": "File", "name": .string(dataset.name.value), "sha256": .string(dataset.checksum.value),
            "contentSize": .string(String(dataset.byteSize.value)), "encodingFormat": .string(dataset.encoding.mediaType),
        ]
        let profiles = dataset.encoding.conformsTo.sorted(by: codePointOrder)
        if !profiles.isEmpty { fileEntity["conformsTo"] = .array(profiles.map { ["@id": .string($0)] }) }
        if let runID = dataset.producingRunID, let exported = provenance.runs[runID] {
            var action: [String: JSONValue] = [
                "@id": .string(urn(runID)), "@type": "CreateAction", "name": .string(exported.run.name), "result": ["@id": .string(file)],
                "startTime": .string(exported.run.startedAt.rfc3339),
                "actionStatus": ["@id": .string(exported.run.status == .running ? "http://schema.org/ActiveActionStatus"
                    : exported.run.status == .ended(.completed) ? "http://schema.org/CompletedActionStatus" : "http://schema.org/FailedActionStatus")],
            ]
            if let ended = exported.run.endedAt { action["endTime"] = .string(ended.rfc3339) }
            if let state = exported.run.status.endState { action["description"] = .string("The Run ended \(state.rawValue).") }
            context.append(.object(action))
            root["mentions"] = [["@id": .string(urn(runID))]]
        }
        graph.append(.object(root))
        graph.append(.object(fileEntity))
        return ["@context": .string(profile + "/context"), "@graph": .array(graph + context)]
    }
}
