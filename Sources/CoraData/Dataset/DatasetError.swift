import CoraKernel
import Foundation

/// Every way the Dataset slices refuse a command, with its contract code and status (§3, §5).
public enum DatasetError: Error, Sendable, Equatable {
    case invalidName(String)
    case invalidURI(String)
    case invalidChecksum(String)
    case invalidByteSize(String)
    case invalidEncoding(String)
    case invalidDerivedFrom(String)
    case invalidUsedCalibrations(String)
    case invalidPromotionReason(String)
    case invalidDemotionReason(String)
    case invalidDiscardReason(String)
    case notFound(UUID)
    case alreadyExists(UUID)
    case producingRunMissing(UUID)
    case linkedSubjectMissing(UUID)
    case derivedFromMissing([UUID])
    case derivedFromDiscarded([UUID])
    case alreadyPromoted(UUID)
    case alreadyRetracted(UUID)
    case cannotPromote(UUID, CannotPromote)
    case cannotDemote(UUID, CannotDemote)
    case cannotDiscard(UUID, DatasetStatus)

    public enum CannotPromote: Sendable, Equatable {
        case discarded
        case retracted
        case producingRunNotCompleted(RunEndState?)
        case derivedFromNotProduction([UUID])
    }

    public enum CannotDemote: Sendable, Equatable {
        case discarded
        case trial
    }
}

extension DatasetError: ProblemReportable {
    public var problem: Problem {
        switch self {
        case .invalidName(let detail): Problem(status: 400, code: "InvalidDatasetName", detail: detail, extensions: ["field": "name"])
        case .invalidURI(let detail): Problem(status: 400, code: "InvalidDatasetUri", detail: detail, extensions: ["field": "uri"])
        case .invalidChecksum(let detail): Problem(status: 400, code: "InvalidDatasetChecksum", detail: detail, extensions: ["field": "checksum"])
        case .invalidByteSize(let detail): Problem(status: 400, code: "InvalidDatasetByteSize", detail: detail, extensions: ["field": "byte_size"])
        case .invalidEncoding(let detail): Problem(status: 400, code: "InvalidDatasetEncoding", detail: detail, extensions: ["field": "encoding"])
        case .invalidDerivedFrom(let detail): Problem(status: 400, code: "InvalidDerivedFrom", detail: "derived_from: \(detail)", extensions: ["field": "derived_from"])
        case .invalidUsedCalibrations(let detail): Problem(status: 400, code: "InvalidUsedCalibrations", detail: "used_calibrations: \(detail)", extensions: ["field": "used_calibrations"])
        case .invalidPromotionReason(let detail): Problem(status: 400, code: "InvalidPromotionReason", detail: detail, extensions: ["field": "reason"])
        case .invalidDemotionReason(let detail): Problem(status: 400, code: "InvalidDemotionReason", detail: detail, extensions: ["field": "reason"])
        case .invalidDiscardReason(let detail): Problem(status: 400, code: "InvalidDatasetDiscardReason", detail: detail, extensions: ["field": "reason"])
        case .notFound(let id): Problem(status: 404, code: "DatasetNotFound", detail: "No Dataset \(id.lowercased) exists.")
        case .alreadyExists(let id): Problem(status: 409, code: "DatasetAlreadyExists", detail: "Dataset \(id.lowercased) already exists.")
        case .producingRunMissing(let id): Problem(status: 404, code: "ProducingRunMissing", detail: "producing_run_id \(id.lowercased) names no Run.")
        case .linkedSubjectMissing(let id): Problem(status: 404, code: "LinkedSubjectMissing", detail: "subject_id \(id.lowercased) names no Subject.")
        case .derivedFromMissing(let ids):
            Problem(status: 404, code: "DerivedFromDatasetsMissing", detail: "derived_from names Datasets that do not exist: \(sortedIDs(ids).joined(separator: ", ")).",
                    extensions: ["missing_ids": .array(sortedIDs(ids).map(JSONValue.string))])
        case .derivedFromDiscarded(let ids):
            Problem(status: 409, code: "DerivedFromDatasetsDiscarded", detail: "derived_from names Discarded Datasets: \(sortedIDs(ids).joined(separator: ", ")); lineage may not start from deleted bytes.",
                    extensions: ["discarded_ids": .array(sortedIDs(ids).map(JSONValue.string))])
        case .alreadyPromoted(let id): Problem(status: 409, code: "DatasetAlreadyPromoted", detail: "Dataset \(id.lowercased) is already in Production.")
        case .alreadyRetracted(let id): Problem(status: 409, code: "DatasetAlreadyRetracted", detail: "Dataset \(id.lowercased) is already Retracted.")
        case .cannotPromote(let id, let why):
            switch why {
            case .discarded:
                Problem(status: 409, code: "DatasetCannotPromote", detail: "Dataset \(id.lowercased) is Discarded; its bytes are gone.", extensions: ["reason": "discarded"])
            case .retracted:
                Problem(status: 409, code: "DatasetCannotPromote", detail: "Dataset \(id.lowercased) is Retracted, which is terminal; register a new Dataset derived from it.", extensions: ["reason": "retracted"])
            case .producingRunNotCompleted(let state):
                Problem(status: 409, code: "DatasetCannotPromote",
                        detail: state.map { "The producing Run ended in '\($0.rawValue)'; only a Completed Run's data may be promoted." }
                            ?? "The producing Run had not ended when the Dataset was registered; only a Completed Run's data may be promoted.",
                        extensions: ["reason": "producing_run_not_completed"])
            case .derivedFromNotProduction(let ids):
                Problem(status: 409, code: "DatasetCannotPromote", detail: "Every derived_from Dataset must be in Production first; not yet: \(sortedIDs(ids).joined(separator: ", ")).",
                        extensions: ["reason": "derived_from_not_production", "not_production_ids": .array(sortedIDs(ids).map(JSONValue.string))])
            }
        case .cannotDemote(let id, let why):
            switch why {
            case .discarded:
                Problem(status: 409, code: "DatasetCannotDemote", detail: "Dataset \(id.lowercased) is Discarded; its bytes are gone.", extensions: ["reason": "discarded"])
            case .trial:
                Problem(status: 409, code: "DatasetCannotDemote", detail: "Dataset \(id.lowercased) is in Trial and was never authoritative; discard it instead.", extensions: ["reason": "trial"])
            }
        case .cannotDiscard(let id, let status):
            Problem(status: 409, code: "DatasetCannotDiscard", detail: "Dataset \(id.lowercased) is \(status.rawValue); only a Registered Dataset may be discarded.", extensions: ["reason": .string(status.rawValue.lowercased())])
        }
    }
}
