import CoraKernel
import Foundation

/// A validated RegisterDataset: every value object already checked (400s come from building this).
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

    /// The request's shape (422) then its values (400), in the contract's order, from the REST body or
    /// the MCP arguments (the same members).
    public init(body: CommandBody) throws {
        var reader = try body.parsedObject()
        let name = try reader.requiredString("name")
        let uri = try reader.requiredString("uri")
        var checksumReader = try reader.requiredObject("checksum")
        let algorithm = try checksumReader.requiredString("algorithm")
        let checksumValue = try checksumReader.requiredString("value")
        try checksumReader.rejectUnknownMembers()
        let byteSize = try reader.requiredNumberLiteral("byte_size")
        var encodingReader = try reader.requiredObject("encoding")
        let mediaType = try encodingReader.requiredString("media_type")
        let conformsTo = try encodingReader.stringArray("conforms_to")
        try encodingReader.rejectUnknownMembers()
        let producingRunID = try reader.optionalUUID("producing_run_id")
        let subjectID = try reader.optionalUUID("subject_id")
        let derivedFrom = try reader.uuidArray("derived_from")
        let usedCalibrations = try reader.uuidArray("used_calibrations")
        try reader.rejectUnknownMembers()

        try self.init(
            name: DatasetName(name), uri: DatasetURI(uri),
            checksum: DatasetChecksum(algorithm: algorithm, value: checksumValue),
            byteSize: DatasetByteSize(literal: byteSize),
            encoding: DatasetEncoding(mediaType: mediaType, conformsTo: conformsTo),
            producingRunID: producingRunID, subjectID: subjectID,
            derivedFrom: boundedUUIDSet(derivedFrom, error: DatasetError.invalidDerivedFrom),
            usedCalibrations: boundedUUIDSet(usedCalibrations, error: DatasetError.invalidUsedCalibrations))
    }

    public init(name: DatasetName, uri: DatasetURI, checksum: DatasetChecksum, byteSize: DatasetByteSize, encoding: DatasetEncoding,
                producingRunID: UUID?, subjectID: UUID?, derivedFrom: Set<UUID>, usedCalibrations: Set<UUID>) {
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
}
