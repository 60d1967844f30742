import CoraData
import CoraKernel
import Foundation

/// A Dataset's provenance in the W3C PROV data model, built from the record (§12), then written as
/// PROV-JSON, PROV-JSONLD or PROV-O. Hand-written: none of the listed packages speaks PROV.
///
/// The mapping: each Dataset an Entity; its producing Run an Activity with the Run's own start and end
/// and `cora:endState`, which generated it and used its parents and its calibration revisions; each
/// `derived_from` a Derivation through that Run (without one, a plain Derivation and an Influence of each
/// revision); the registering principal an Agent it is attributed to; each promotion and retraction an
/// Activity with its time, reason and agent that used the Dataset; a discard its one Invalidation. When
/// it was catalogued is `cora:catalogedAt`, never a generation's time.
struct ProvDocumentModel {
    enum Value: Equatable {
        case string(String)
        case qualifiedName(String)
        case dateTime(Timestamp)
        case long(Int64)
        case anyURI(String)
    }

    struct Element {
        let id: String
        var attributes: [(name: String, value: Value)]
    }

    struct Activity {
        let id: String
        let start: Timestamp?
        let end: Timestamp?
        let attributes: [(name: String, value: Value)]
    }

    enum Relation {
        case generation(entity: String, activity: String)
        case usage(activity: String, entity: String)
        case derivation(generated: String, used: String, activity: String?)
        case attribution(entity: String, agent: String)
        case association(activity: String, agent: String)
        case influence(influencee: String, influencer: String)
        case invalidation(entity: String, activity: String, time: Timestamp)
    }

    let namespace: String
    var entities: [Element] = []
    var activities: [Activity] = []
    var agents: [Element] = []
    var relations: [Relation] = []

    static func id(_ uuid: UUID) -> String { "uuid:" + uuid.lowercased }

    init(_ provenance: DatasetProvenance, namespace: String) {
        self.namespace = namespace
        var declared = Set<String>()
        func agent(_ principal: PrincipalID) -> String {
            let id = Self.id(principal.uuid)
            if declared.insert(id).inserted { agents.append(Element(id: id, attributes: [])) }
            return id
        }
        func entity(_ id: String, _ attributes: [(String, Value)]) {
            if declared.insert(id).inserted { entities.append(Element(id: id, attributes: attributes)) }
        }
        let included = Set(provenance.datasets.map { Self.id($0.dataset.id) })
        for exported in provenance.datasets {
            let dataset = exported.dataset
            let id = Self.id(dataset.id)
            var attributes: [(String, Value)] = [
                ("prov:type", .qualifiedName("cora:Dataset")), ("prov:label", .string(dataset.name.value)),
                ("cora:uri", .anyURI(dataset.uri.value)), ("cora:sha256", .string(dataset.checksum.value)),
                ("cora:byteSize", .long(dataset.byteSize.value)), ("cora:mediaType", .string(dataset.encoding.mediaType)),
            ]
            attributes += dataset.encoding.conformsTo.sorted(by: codePointOrder).map { ("cora:conformsTo", .anyURI($0)) }
            attributes += [("cora:status", .string(dataset.status.rawValue)), ("cora:intent", .string(dataset.intent.rawValue)),
                           ("cora:catalogedAt", .dateTime(dataset.createdAt))]
            entity(id, attributes)
            if let registration = exported.events.first { relations.append(.attribution(entity: id, agent: agent(registration.metadata.actorID))) }
            let parents = dataset.derivedFrom.sorted(by: uuidOrder).map(Self.id)
            for parent in parents where !included.contains(parent) { entity(parent, [("prov:type", .qualifiedName("cora:Dataset"))]) }
            let calibrations = dataset.usedCalibrations.sorted(by: uuidOrder).map(Self.id)
            for calibration in calibrations { entity(calibration, [("prov:type", .qualifiedName("cora:CalibrationRevision"))]) }
            if let runID = dataset.producingRunID, let exportedRun = provenance.runs[runID] {
                let run = Self.id(runID)
                if declared.insert(run).inserted {
                    var runAttributes: [(String, Value)] = [("prov:type", .qualifiedName("cora:Run")), ("prov:label", .string(exportedRun.run.name))]
                    if let state = exportedRun.run.status.endState { runAttributes.append(("cora:endState", .string(state.rawValue))) }
                    activities.append(Activity(id: run, start: exportedRun.run.startedAt, end: exportedRun.run.endedAt, attributes: runAttributes))
                    if let started = exportedRun.events.first { relations.append(.association(activity: run, agent: agent(started.metadata.actorID))) }
                }
                relations.append(.generation(entity: id, activity: run))
                for parent in parents {
                    relations.append(.usage(activity: run, entity: parent))
                    relations.append(.derivation(generated: id, used: parent, activity: run))
                }
                for calibration in calibrations { relations.append(.usage(activity: run, entity: calibration)) }
            } else {
                for parent in parents { relations.append(.derivation(generated: id, used: parent, activity: nil)) }
                for calibration in calibrations { relations.append(.influence(influencee: id, influencer: calibration)) }
            }
            for event in exported.events.dropFirst() {
                guard case .dataset(let change)? = DomainEvent(event) else { continue }
                let activity = Self.id(event.eventID)
                let (type, reason): (String, Reason)
                switch change {
                case .promoted(let recorded): (type, reason) = ("cora:Promotion", recorded.reason)
                case .demoted(let recorded): (type, reason) = ("cora:Retraction", recorded.reason)
                case .discarded(let recorded): (type, reason) = ("cora:Discard", recorded.reason)
                case .registered: continue
                }
                activities.append(Activity(id: activity, start: event.occurredAt, end: event.occurredAt,
                                           attributes: [("prov:type", .qualifiedName(type)), ("cora:reason", .string(reason.value))]))
                relations.append(.association(activity: activity, agent: agent(event.metadata.actorID)))
                if case .discarded = change {
                    relations.append(.invalidation(entity: id, activity: activity, time: event.occurredAt))
                } else {
                    relations.append(.usage(activity: activity, entity: id))
                }
            }
        }
    }

    var prefixes: [String: JSONValue] { ["uuid": "urn:uuid:", "cora": .string(namespace)] }

    // MARK: PROV-JSON

    static func provJSONValue(_ value: Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .qualifiedName(let name): ["$": .string(name), "type": "prov:QUALIFIED_NAME"]
        case .dateTime(let time): ["$": .string(time.rfc3339), "type": "xsd:dateTime"]
        case .long(let number): ["$": .string(String(number)), "type": "xsd:long"]
        case .anyURI(let uri): ["$": .string(uri), "type": "xsd:anyURI"]
        }
    }

    /// Attributes by name; a name given more than once holds a list, as PROV-JSON writes several values.
    static func grouped(_ attributes: [(name: String, value: Value)], _ render: (Value) -> JSONValue) -> [String: JSONValue] {
        var members: [String: [JSONValue]] = [:]
        var order: [String] = []
        for (name, value) in attributes {
            if members[name] == nil { order.append(name) }
            members[name, default: []].append(render(value))
        }
        return members.mapValues { $0.count == 1 ? $0[0] : .array($0) }
    }

    var provJSON: JSONValue {
        var document: [String: JSONValue] = ["prefix": .object(prefixes)]
        document["entity"] = .object(Dictionary(uniqueKeysWithValues: entities.map { ($0.id, .object(Self.grouped($0.attributes, Self.provJSONValue))) }))
        document["agent"] = .object(Dictionary(uniqueKeysWithValues: agents.map { ($0.id, .object(Self.grouped($0.attributes, Self.provJSONValue))) }))
        if !activities.isEmpty {
            document["activity"] = .object(Dictionary(uniqueKeysWithValues: activities.map { activity in
                var members = Self.grouped(activity.attributes, Self.provJSONValue)
                if let start = activity.start { members["prov:startTime"] = .string(start.rfc3339) }
                if let end = activity.end { members["prov:endTime"] = .string(end.rfc3339) }
                return (activity.id, .object(members))
            }))
        }
        var byKind: [String: [String: JSONValue]] = [:]
        for (index, relation) in relations.enumerated() {
            let (kind, members) = Self.provJSONRelation(relation)
            byKind[kind, default: [:]]["_:r\(index + 1)"] = .object(members)
        }
        for (kind, statements) in byKind { document[kind] = .object(statements) }
        return .object(document)
    }

    static func provJSONRelation(_ relation: Relation) -> (String, [String: JSONValue]) {
        switch relation {
        case .generation(let entity, let activity): ("wasGeneratedBy", ["prov:entity": .string(entity), "prov:activity": .string(activity)])
        case .usage(let activity, let entity): ("used", ["prov:activity": .string(activity), "prov:entity": .string(entity)])
        case .derivation(let generated, let used, let activity):
            ("wasDerivedFrom", ["prov:generatedEntity": .string(generated), "prov:usedEntity": .string(used)]
                .merging(activity.map { ["prov:activity": .string($0)] } ?? [:]) { $1 })
        case .attribution(let entity, let agent): ("wasAttributedTo", ["prov:entity": .string(entity), "prov:agent": .string(agent)])
        case .association(let activity, let agent): ("wasAssociatedWith", ["prov:activity": .string(activity), "prov:agent": .string(agent)])
        case .influence(let influencee, let influencer): ("wasInfluencedBy", ["prov:influencee": .string(influencee), "prov:influencer": .string(influencer)])
        case .invalidation(let entity, let activity, let time):
            ("wasInvalidatedBy", ["prov:entity": .string(entity), "prov:activity": .string(activity), "prov:time": .string(time.rfc3339)])
        }
    }

    // MARK: PROV-JSONLD (the W3C member submission's compact shape)

    static func provJSONLDValue(_ value: Value) -> JSONValue {
        switch value {
        case .string(let text): ["@value": .string(text)]
        case .qualifiedName(let name): .string(name)
        case .dateTime(let time): ["@value": .string(time.rfc3339), "@type": "xsd:dateTime"]
        case .long(let number): ["@value": .string(String(number)), "@type": "xsd:long"]
        case .anyURI(let uri): ["@value": .string(uri), "@type": "xsd:anyURI"]
        }
    }

    /// Attributes in the submission's terms: `type` and `label` unprefixed, every value in a list.
    static func jsonldAttributes(_ attributes: [(name: String, value: Value)]) -> [String: JSONValue] {
        var members: [String: [JSONValue]] = [:]
        for (name, value) in attributes {
            let term = name == "prov:type" ? "type" : name == "prov:label" ? "label" : name
            members[term, default: []].append(provJSONLDValue(value))
        }
        return members.mapValues(JSONValue.array)
    }

    var provJSONLD: JSONValue {
        var graph: [JSONValue] = []
        for element in entities {
            graph.append(.object(Self.jsonldAttributes(element.attributes).merging(["@type": "Entity", "@id": .string(element.id)]) { $1 }))
        }
        for activity in activities {
            var members = Self.jsonldAttributes(activity.attributes).merging(["@type": "Activity", "@id": .string(activity.id)]) { $1 }
            if let start = activity.start { members["startTime"] = .string(start.rfc3339) }
            if let end = activity.end { members["endTime"] = .string(end.rfc3339) }
            graph.append(.object(members))
        }
        for element in agents {
            graph.append(.object(Self.jsonldAttributes(element.attributes).merging(["@type": "Agent", "@id": .string(element.id)]) { $1 }))
        }
        for relation in relations {
            let (kind, members) = Self.provJSONRelation(relation)
            let type = ["wasGeneratedBy": "Generation", "used": "Usage", "wasDerivedFrom": "Derivation", "wasAttributedTo": "Attribution",
                        "wasAssociatedWith": "Association", "wasInfluencedBy": "Influence", "wasInvalidatedBy": "Invalidation"][kind] ?? kind
            var statement: [String: JSONValue] = ["@type": .string(type)]
            for (name, value) in members { statement[String(name.dropFirst("prov:".count))] = value }
            graph.append(.object(statement))
        }
        return ["@context": [.object(prefixes.merging(["xsd": "http://www.w3.org/2001/XMLSchema#"]) { $1 }),
                             "https://openprovenance.org/prov-jsonld/context.jsonld"],
                "@graph": .array(graph)]
    }

    // MARK: PROV-O (plain JSON-LD with an inline context)

    func iri(_ id: String) -> String { id.hasPrefix("uuid:") ? "urn:uuid:" + id.dropFirst("uuid:".count) : id }

    static func provOValue(_ value: Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .qualifiedName(let name): ["@id": .string(name)]
        case .dateTime(let time): ["@value": .string(time.rfc3339), "@type": "xsd:dateTime"]
        case .long(let number): ["@value": .string(String(number)), "@type": "xsd:long"]
        case .anyURI(let uri): ["@value": .string(uri), "@type": "xsd:anyURI"]
        }
    }

    /// One node per entity, activity and agent, the relations as its properties (the unqualified PROV-O
    /// property, and the qualified pattern where the relation carries more: an activity, a time).
    var provO: JSONValue {
        var nodes: [String: [String: [JSONValue]]] = [:]
        var order: [String] = []
        func add(_ id: String, _ property: String, _ value: JSONValue) {
            let key = iri(id)
            if nodes[key] == nil { order.append(key); nodes[key] = ["@id": [.string(key)]] }
            nodes[key]?[property, default: []].append(value)
        }
        func reference(_ id: String) -> JSONValue { ["@id": .string(iri(id))] }
        func describe(_ id: String, _ kind: String, _ attributes: [(name: String, value: Value)]) {
            add(id, "@type", .string(kind))
            for (name, value) in attributes {
                switch name {
                case "prov:type": add(id, "@type", .string({ if case .qualifiedName(let type) = value { type } else { kind } }()))
                case "prov:label": add(id, "rdfs:label", Self.provOValue(value))
                default: add(id, name, Self.provOValue(value))
                }
            }
        }
        for element in entities { describe(element.id, "prov:Entity", element.attributes) }
        for activity in activities {
            describe(activity.id, "prov:Activity", activity.attributes)
            if let start = activity.start { add(activity.id, "prov:startedAtTime", Self.provOValue(.dateTime(start))) }
            if let end = activity.end { add(activity.id, "prov:endedAtTime", Self.provOValue(.dateTime(end))) }
        }
        for element in agents { describe(element.id, "prov:Agent", element.attributes) }
        for relation in relations {
            switch relation {
            case .generation(let entity, let activity): add(entity, "prov:wasGeneratedBy", reference(activity))
            case .usage(let activity, let entity): add(activity, "prov:used", reference(entity))
            case .derivation(let generated, let used, let activity):
                add(generated, "prov:wasDerivedFrom", reference(used))
                if let activity {
                    add(generated, "prov:qualifiedDerivation", ["@type": "prov:Derivation", "prov:entity": reference(used), "prov:hadActivity": reference(activity)])
                }
            case .attribution(let entity, let agent): add(entity, "prov:wasAttributedTo", reference(agent))
            case .association(let activity, let agent): add(activity, "prov:wasAssociatedWith", reference(agent))
            case .influence(let influencee, let influencer): add(influencee, "prov:wasInfluencedBy", reference(influencer))
            case .invalidation(let entity, let activity, let time):
                add(entity, "prov:wasInvalidatedBy", reference(activity))
                add(entity, "prov:invalidatedAtTime", Self.provOValue(.dateTime(time)))
                add(entity, "prov:qualifiedInvalidation", ["@type": "prov:Invalidation", "prov:activity": reference(activity), "prov:atTime": Self.provOValue(.dateTime(time))])
            }
        }
        let graph: [JSONValue] = order.compactMap { key in
            nodes[key].map { members in .object(members.mapValues { $0.count == 1 ? $0[0] : .array($0) }.merging(["@id": .string(key)]) { $1 }) }
        }
        return ["@context": ["prov": "http://www.w3.org/ns/prov#", "xsd": "http://www.w3.org/2001/XMLSchema#",
                             "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "cora": .string(namespace)],
                "@graph": .array(graph)]
    }
}
