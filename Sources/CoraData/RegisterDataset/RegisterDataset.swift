import CoraKernel
import Foundation

/// RegisterDataset with every value object checked (400s come from building one).
public struct RegisterDataset: Sendable, Equatable {
    public let name: DatasetName
    public let uri: DatasetURI
    public let checksum: DatasetChecksum
    public let byteSize: DatasetByteSize
    public let encoding: DatasetEncoding
    public let producingRunID: UUID?
    public let subjectID: UUID?
    public let derivedFrom: Set<UUID>
    public let usedCalibrations: Set<UUID>

    public init(name: DatasetName, uri: DatasetURI, checksum: DatasetChecksum, byteSize: DatasetByteSize, encoding: DatasetEncoding,
                producingRunID: UUID? = nil, subjectID: UUID? = nil, derivedFrom: Set<UUID> = [], usedCalibrations: Set<UUID> = []) {
        self.name = name
        self.uri = uri
        self.checksum = checksum
        self.byteSize = byteSize
        self.encoding = encoding
        self.producingRunID = producingRunID
        self.subjectID = subjectID
        self.derivedFrom = derivedFrom
        self.usedCalibrations = usedCalibrations
    }

    /// Checks the values in the contract's order: name, uri, checksum, byte_size, encoding,
    /// derived_from, used_calibrations; the first bad one answers.
    public init(name: String, uri: String, checksumAlgorithm: String, checksumValue: String, byteSizeLiteral: String,
                mediaType: String, conformsTo: [String], producingRunID: UUID?, subjectID: UUID?,
                derivedFrom: [UUID], usedCalibrations: [UUID]) throws(DatasetError) {
        self.init(
            name: try DatasetName(name), uri: try DatasetURI(uri),
            checksum: try DatasetChecksum(algorithm: checksumAlgorithm, value: checksumValue),
            byteSize: try DatasetByteSize(literal: byteSizeLiteral),
            encoding: try DatasetEncoding(mediaType: mediaType, conformsTo: conformsTo),
            producingRunID: producingRunID, subjectID: subjectID,
            derivedFrom: try boundedUUIDSet(derivedFrom, error: DatasetError.invalidDerivedFrom),
            usedCalibrations: try boundedUUIDSet(usedCalibrations, error: DatasetError.invalidUsedCalibrations))
    }

    /// Canonical form for the idempotency hash: absent, `null` and `[]` all hash alike.
    var canonical: JSONValue {
        .object([
            "name": .string(name.value), "uri": .string(uri.value), "checksum": checksum.json,
            "byte_size": .integer(byteSize.value), "encoding": encoding.json,
            "producing_run_id": producingRunID.map { .string($0.lowercased) } ?? .null,
            "subject_id": subjectID.map { .string($0.lowercased) } ?? .null,
            "derived_from": .array(sortedIDs(derivedFrom).map(JSONValue.string)),
            "used_calibrations": .array(sortedIDs(usedCalibrations).map(JSONValue.string)),
        ])
    }

    /// The streams a registration's decision reads: the new id's, the Run, the Subject, the sources.
    func streams(datasetID: UUID) -> [StreamID] {
        var streams = [StreamID(.dataset, datasetID)]
        if let producingRunID { streams.append(StreamID(.run, producingRunID)) }
        if let subjectID { streams.append(StreamID(.subject, subjectID)) }
        return streams + derivedFrom.map { StreamID(.dataset, $0) }
    }
}

/// What the handler loaded for a registration (one round trip), beside the new id's own stream.
public struct RegisterDatasetContext: Sendable, Equatable {
    public let datasetID: UUID
    /// The producing Run, when `producing_run_id` is set; `nil` when its stream is empty.
    public let producingRun: Run?
    public let subjectExists: Bool
    /// Every `derived_from` id with its state, `nil` for an empty stream.
    public let derivedFrom: [UUID: Dataset?]
    public let now: Timestamp

    public init(datasetID: UUID, producingRun: Run? = nil, subjectExists: Bool = false, derivedFrom: [UUID: Dataset?] = [:], now: Timestamp) {
        self.datasetID = datasetID
        self.producingRun = producingRun
        self.subjectExists = subjectExists
        self.derivedFrom = derivedFrom
        self.now = now
    }

    /// The decider's input from the loaded streams; `registeredEarlier` are Datasets decided earlier in
    /// the same transaction (an import batch), which the store does not hold yet.
    static func folding(_ command: RegisterDataset, datasetID: UUID, loaded: [StreamID: [RecordedEvent]], now: Timestamp,
                        registeredEarlier: [UUID: Dataset] = [:]) throws -> (state: Dataset?, context: RegisterDatasetContext) {
        var derived: [UUID: Dataset?] = [:]
        for id in command.derivedFrom {
            if let earlier = registeredEarlier[id] {
                derived.updateValue(earlier, forKey: id)
            } else {
                derived.updateValue(try DatasetEvolve.fold(loaded[StreamID(.dataset, id)] ?? []), forKey: id)
            }
        }
        let context = RegisterDatasetContext(
            datasetID: datasetID,
            producingRun: try command.producingRunID.flatMap { try RunEvolve.fold(loaded[StreamID(.run, $0)] ?? []) },
            subjectExists: command.subjectID.map { !(loaded[StreamID(.subject, $0)] ?? []).isEmpty } ?? false,
            derivedFrom: derived, now: now)
        return (try DatasetEvolve.fold(loaded[StreamID(.dataset, datasetID)] ?? []), context)
    }
}
