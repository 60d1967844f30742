import CoraKernel
import Foundation

/// The four events of the Dataset stream, with their payload codec (§8).
public enum DatasetEvent: Sendable, Equatable {
    case registered(DatasetRegistered)
    case promoted(DatasetReasonRecorded)
    case demoted(DatasetReasonRecorded)
    case discarded(DatasetReasonRecorded)

    public var eventType: String {
        switch self {
        case .registered: "DatasetRegistered"
        case .promoted: "DatasetPromoted"
        case .demoted: "DatasetDemoted"
        case .discarded: "DatasetDiscarded"
        }
    }

    public var datasetID: UUID {
        switch self {
        case .registered(let event): event.datasetID
        case .promoted(let event), .demoted(let event), .discarded(let event): event.datasetID
        }
    }

    public var occurredAt: Timestamp {
        switch self {
        case .registered(let event): event.occurredAt
        case .promoted(let event), .demoted(let event), .discarded(let event): event.occurredAt
        }
    }

    public var payload: JSONValue {
        switch self {
        case .registered(let event): event.payload
        case .promoted(let event), .demoted(let event), .discarded(let event): event.payload
        }
    }

    public var pending: PendingEvent {
        PendingEvent(stream: StreamID(.dataset, datasetID), eventType: eventType, payload: payload, occurredAt: occurredAt)
    }

    /// Reads a stored event back without the write-side rules: what was accepted once stays readable
    /// when a rule is tightened later. `nil` when the type is not a Dataset event or the payload lacks
    /// a member this code writes (the store holds something foreign).
    public init?(eventType: String, payload: JSONValue) {
        switch eventType {
        case "DatasetRegistered": guard let event = DatasetRegistered(stored: payload) else { return nil }; self = .registered(event)
        case "DatasetPromoted": guard let event = DatasetReasonRecorded(stored: payload) else { return nil }; self = .promoted(event)
        case "DatasetDemoted": guard let event = DatasetReasonRecorded(stored: payload) else { return nil }; self = .demoted(event)
        case "DatasetDiscarded": guard let event = DatasetReasonRecorded(stored: payload) else { return nil }; self = .discarded(event)
        default: return nil
        }
    }
}

public struct DatasetRegistered: Sendable, Equatable {
    public let datasetID: UUID
    public let name: DatasetName
    public let uri: DatasetURI
    public let checksum: DatasetChecksum
    public let byteSize: DatasetByteSize
    public let encoding: DatasetEncoding
    public let producingRunID: UUID?
    public let subjectID: UUID?
    public let derivedFrom: Set<UUID>
    public let producingRunEndState: RunEndState?
    public let intent: Intent
    public let usedCalibrations: Set<UUID>
    public let occurredAt: Timestamp

    /// Canonical: sets as sorted arrays, ids lower case, absent optionals as `null`.
    public var payload: JSONValue {
        .object([
            "dataset_id": .string(datasetID.lowercased),
            "name": .string(name.value),
            "uri": .string(uri.value),
            "checksum": checksum.json,
            "byte_size": .integer(byteSize.value),
            "encoding": encoding.json,
            "producing_run_id": producingRunID.map { .string($0.lowercased) } ?? .null,
            "subject_id": subjectID.map { .string($0.lowercased) } ?? .null,
            "derived_from": .array(sortedIDs(derivedFrom).map(JSONValue.string)),
            "producing_run_end_state": producingRunEndState.map { .string($0.rawValue) } ?? .null,
            "intent": .string(intent.rawValue),
            "used_calibrations": .array(sortedIDs(usedCalibrations).map(JSONValue.string)),
            "occurred_at": .string(occurredAt.rfc3339),
        ])
    }

    public init(datasetID: UUID, name: DatasetName, uri: DatasetURI, checksum: DatasetChecksum, byteSize: DatasetByteSize,
                encoding: DatasetEncoding, producingRunID: UUID?, subjectID: UUID?, derivedFrom: Set<UUID>,
                producingRunEndState: RunEndState?, intent: Intent, usedCalibrations: Set<UUID>, occurredAt: Timestamp) {
        self.datasetID = datasetID
        self.name = name
        self.uri = uri
        self.checksum = checksum
        self.byteSize = byteSize
        self.encoding = encoding
        self.producingRunID = producingRunID
        self.subjectID = subjectID
        self.derivedFrom = derivedFrom
        self.producingRunEndState = producingRunEndState
        self.intent = intent
        self.usedCalibrations = usedCalibrations
        self.occurredAt = occurredAt
    }

    init?(stored payload: JSONValue) {
        let reader = StoredPayload(payload)
        let checksum = StoredPayload(payload["checksum"])
        let encoding = StoredPayload(payload["encoding"])
        guard let datasetID = reader.uuid("dataset_id"), let name = reader.string("name"), let uri = reader.string("uri"),
              let algorithm = checksum.string("algorithm"), let checksumValue = checksum.string("value"),
              case .number(let size)? = payload["byte_size"], let byteSize = Int64(size),
              let mediaType = encoding.string("media_type"), let conformsTo = encoding.strings("conforms_to"),
              let derivedFrom = reader.uuids("derived_from"),
              let usedCalibrations = reader.uuids("used_calibrations"),
              let intent = reader.string("intent"),
              let occurredAt = reader.timestamp("occurred_at")
        else { return nil }
        var endState: RunEndState?
        if let stored = reader.string("producing_run_end_state") {
            guard let known = RunEndState(rawValue: stored) else { return nil }
            endState = known
        }
        self.init(datasetID: datasetID, name: DatasetName(stored: name), uri: DatasetURI(stored: uri),
                  checksum: DatasetChecksum(storedAlgorithm: algorithm, value: checksumValue), byteSize: DatasetByteSize(stored: byteSize),
                  encoding: DatasetEncoding(storedMediaType: mediaType, conformsTo: Set(conformsTo)),
                  producingRunID: reader.uuid("producing_run_id"), subjectID: reader.uuid("subject_id"),
                  derivedFrom: Set(derivedFrom), producingRunEndState: endState,
                  intent: Intent(rawValue: intent), usedCalibrations: Set(usedCalibrations), occurredAt: occurredAt)
    }
}

/// Payload of DatasetPromoted, DatasetDemoted and DatasetDiscarded: the same three members.
public struct DatasetReasonRecorded: Sendable, Equatable {
    public let datasetID: UUID
    public let reason: Reason
    public let occurredAt: Timestamp

    public init(datasetID: UUID, reason: Reason, occurredAt: Timestamp) {
        self.datasetID = datasetID
        self.reason = reason
        self.occurredAt = occurredAt
    }

    public var payload: JSONValue {
        .object(["dataset_id": .string(datasetID.lowercased), "reason": .string(reason.value), "occurred_at": .string(occurredAt.rfc3339)])
    }

    init?(stored payload: JSONValue) {
        let reader = StoredPayload(payload)
        guard let datasetID = reader.uuid("dataset_id"), let reason = reader.string("reason"), let occurredAt = reader.timestamp("occurred_at")
        else { return nil }
        self.init(datasetID: datasetID, reason: Reason(stored: reason), occurredAt: occurredAt)
    }
}

/// Lenient accessors for payloads this code wrote itself; a `nil` means the store holds something foreign.
struct StoredPayload {
    let value: JSONValue?
    init(_ value: JSONValue?) { self.value = value }

    func string(_ key: String) -> String? {
        guard case .string(let text)? = value?[key] else { return nil }
        return text
    }

    func uuid(_ key: String) -> UUID? { string(key).flatMap(UUID.init(strict:)) }

    func timestamp(_ key: String) -> Timestamp? { string(key).flatMap(Timestamp.init(rfc3339:)) }

    func strings(_ key: String) -> [String]? {
        guard case .array(let elements)? = value?[key] else { return value?[key] == nil ? [] : nil }
        var result: [String] = []
        for element in elements {
            guard case .string(let text) = element else { return nil }
            result.append(text)
        }
        return result
    }

    func uuids(_ key: String) -> [UUID]? {
        guard let strings = strings(key) else { return nil }
        let ids = strings.compactMap(UUID.init(strict:))
        return ids.count == strings.count ? ids : nil
    }
}
