import CoraData
import CoraKernel
import Foundation

// The wire representations of the domain's answers: the JSON bodies of REST and the structured content
// of MCP results, one definition each.

extension Dataset {
    /// GetDataset's body (and the MCP command tools' results): set members sorted.
    public var representation: JSONValue {
        .object([
            "id": .string(id.lowercased), "name": .string(name.value), "uri": .string(uri.value),
            "checksum": checksum.json, "byte_size": .integer(byteSize.value), "encoding": encoding.json,
            "producing_run_id": producingRunID.map { .string($0.lowercased) } ?? .null,
            "producing_run_end_state": producingRunEndState.map { .string($0.rawValue) } ?? .null,
            "subject_id": subjectID.map { .string($0.lowercased) } ?? .null,
            "derived_from": .array(sortedIDs(derivedFrom).map(JSONValue.string)),
            "used_calibrations": .array(sortedIDs(usedCalibrations).map(JSONValue.string)),
            "status": .string(status.rawValue), "intent": .string(intent.rawValue),
            "created_at": .string(createdAt.rfc3339), "updated_at": .string(updatedAt.rfc3339),
            "version": .integer(version),
        ])
    }
}

extension RecordedEvent {
    /// An item of the change feed: the whole envelope.
    public var feedItem: JSONValue {
        .object([
            "position": .integer(position), "event_id": .string(eventID.lowercased), "stream_type": .string(stream.type.rawValue),
            "stream_id": .string(stream.id.lowercased), "version": .integer(version), "event_type": .string(eventType), "payload": payload,
            "actor_id": .string(metadata.actorID.description), "correlation_id": .string(metadata.correlationID.lowercased),
            "causation_id": metadata.causationID.map { .string($0.lowercased) } ?? .null,
            "occurred_at": .string(occurredAt.rfc3339), "recorded_at": .string(recordedAt.rfc3339),
        ])
    }
}

extension EventPage {
    public var representation: JSONValue {
        .object(["events": .array(events.map(\.feedItem)), "next_after": .integer(nextAfter)])
    }
}

extension DatasetHistory {
    public var representation: JSONValue {
        .object([
            "dataset_id": .string(datasetID.lowercased),
            "events": .array(events.map { event in
                .object([
                    "position": .integer(event.position), "version": .integer(event.version), "event_type": .string(event.eventType), "payload": event.payload,
                    "actor_id": .string(event.metadata.actorID.description),
                    "correlation_id": .string(event.metadata.correlationID.lowercased),
                    "occurred_at": .string(event.occurredAt.rfc3339), "recorded_at": .string(event.recordedAt.rfc3339),
                ])
            }),
        ])
    }
}

extension DatasetSummaryRow {
    /// A ListDatasets item.
    public var listItem: JSONValue {
        .object([
            "dataset_id": .string(datasetID.lowercased), "name": .string(name), "uri": .string(uri),
            "producing_run_id": producingRunID.map { .string($0.lowercased) } ?? .null,
            "subject_id": subjectID.map { .string($0.lowercased) } ?? .null,
            "status": .string(status.rawValue),
            "used_calibrations": .array(usedCalibrations.map { .string($0.lowercased) }),
            "created_at": .string(createdAt.rfc3339),
        ])
    }
}

extension DatasetPage {
    public var nextCursor: String? { next.map(DatasetListCursor.encode) }

    public var representation: JSONValue {
        .object(["items": .array(items.map(\.listItem)), "next_cursor": nextCursor.map(JSONValue.string) ?? .null])
    }
}

extension Run {
    public var representation: JSONValue {
        .object([
            "id": .string(id.lowercased), "name": .string(name),
            "subject_id": subjectID.map { .string($0.lowercased) } ?? .null,
            "status": .string(status.rawValue), "started_at": .string(startedAt.rfc3339),
            "ended_at": endedAt.map { .string($0.rfc3339) } ?? .null,
        ])
    }
}

extension Subject {
    public var representation: JSONValue {
        .object(["id": .string(id.lowercased), "name": .string(name), "created_at": .string(createdAt.rfc3339)])
    }
}

extension ResolvedAsOf {
    public var representation: JSONValue {
        switch self {
        case .position(let position): ["position": .integer(position)]
        case .time(let time): ["time": .string(time.rfc3339)]
        }
    }
}

extension WalkedGraph {
    func nodes(cites: ((WalkedNode) -> Bool)? = nil) -> JSONValue {
        .array(nodes.map { walked in
            var members: [String: JSONValue] = [
                "dataset_id": .string(walked.node.datasetID.lowercased), "name": .string(walked.node.name), "uri": .string(walked.node.uri),
                "status": .string(walked.node.status.rawValue), "intent": .string(walked.node.intent.rawValue),
                "producing_run_id": walked.node.producingRunID.map { .string($0.lowercased) } ?? .null,
                "created_at": .string(walked.node.createdAt.rfc3339), "distance": .integer(walked.distance),
            ]
            if let cites { members["cites"] = .bool(cites(walked)) }
            return .object(members)
        })
    }

    var edgesRepresentation: JSONValue {
        .array(edges.map { ["from": .string($0.parentID.lowercased), "to": .string($0.childID.lowercased)] })
    }
}

extension DatasetLineage {
    public var representation: JSONValue {
        [
            "root": .string(query.datasetID.lowercased), "direction": .string(query.direction.rawValue), "depth": .integer(query.depth),
            "as_of": graph.asOf.representation, "nodes": graph.nodes(), "edges": graph.edgesRepresentation, "truncated": .bool(graph.truncated),
        ]
    }
}

extension CalibrationImpact {
    public var representation: JSONValue {
        [
            "revision_id": .string(query.revisionID.lowercased), "as_of": graph.asOf.representation,
            "nodes": graph.nodes(cites: cites), "edges": graph.edgesRepresentation, "truncated": .bool(graph.truncated),
            "counts": ["citing": .integer(citing), "descendants": .integer(descendants), "production": .integer(production)],
        ]
    }
}

/// The body of a create slice's 201: `{"<member>": "<new id>"}`.
public func createdBody(_ member: String, _ id: UUID) -> JSONValue {
    .object([member: .string(id.lowercased)])
}
