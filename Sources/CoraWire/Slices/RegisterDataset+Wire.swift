import CoraData
import CoraKernel
import Foundation

extension Slices {
    /// `POST /datasets`, MCP `register_dataset`.
    public static let registerDataset = Slice<WireRequest, RegisterDataset, RegisterDatasetResult>(
        .registerDataset, key: .required,
        refusals: ["InvalidDatasetName", "InvalidDatasetUri", "InvalidDatasetChecksum", "InvalidDatasetByteSize", "InvalidDatasetEncoding",
                   "InvalidDerivedFrom", "InvalidUsedCalibrations", "ProducingRunMissing", "LinkedSubjectMissing", "DerivedFromDatasetsMissing",
                   "DatasetAlreadyExists", "DerivedFromDatasetsDiscarded", "ConcurrencyConflict"]
    ) { request in
        try request.parameters.reader.finish()
        var body = try request.bodyObject()
        return try RegisterDatasetBody.read(&body)
    } handle: { dependencies, command, key, caller in
        try await RegisterDatasetHandler(dependencies).handle(command, key: key, caller: caller)
    }
}

/// The RegisterDataset body (REST body, MCP arguments, an import line): members as in the seed's example.
enum RegisterDatasetBody {
    /// Reads the shape (422) and returns the step that checks the values (400).
    static func read(_ reader: inout ObjectReader) throws(RequestError) -> @Sendable () throws -> RegisterDataset {
        let name = try reader.requiredString("name")
        let uri = try reader.requiredString("uri")
        var checksum = try reader.requiredObject("checksum")
        let algorithm = try checksum.requiredString("algorithm")
        let checksumValue = try checksum.requiredString("value")
        try checksum.rejectUnknownMembers()
        let byteSize = try reader.requiredNumberLiteral("byte_size")
        var encoding = try reader.requiredObject("encoding")
        let mediaType = try encoding.requiredString("media_type")
        let conformsTo = try encoding.stringArray("conforms_to")
        try encoding.rejectUnknownMembers()
        let producingRunID = try reader.optionalUUID("producing_run_id")
        let subjectID = try reader.optionalUUID("subject_id")
        let derivedFrom = try reader.uuidArray("derived_from")
        let usedCalibrations = try reader.uuidArray("used_calibrations")
        try reader.rejectUnknownMembers()
        return {
            try RegisterDataset(name: name, uri: uri, checksumAlgorithm: algorithm, checksumValue: checksumValue, byteSizeLiteral: byteSize,
                                mediaType: mediaType, conformsTo: conformsTo, producingRunID: producingRunID, subjectID: subjectID,
                                derivedFrom: derivedFrom, usedCalibrations: usedCalibrations)
        }
    }
}
