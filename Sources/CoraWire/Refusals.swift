import CoraKernel

/// Every problem code the service answers with, and its status (§3, §16): the source of each route's
/// documented answers in OpenAPI.
public enum Refusals {
    public static let status: [String: Int] = [
        "InvalidDatasetName": 400, "InvalidDatasetUri": 400, "InvalidDatasetChecksum": 400, "InvalidDatasetByteSize": 400,
        "InvalidDatasetEncoding": 400, "InvalidDerivedFrom": 400, "InvalidUsedCalibrations": 400, "InvalidPromotionReason": 400,
        "InvalidDemotionReason": 400, "InvalidDatasetDiscardReason": 400, "InvalidIdempotencyKey": 400, "IdempotencyKeyMissing": 400,
        "InvalidSubjectName": 400, "InvalidRunName": 400, "InvalidRunEndState": 400,
        "Unauthenticated": 401,
        "Unauthorized": 403,
        "DatasetNotFound": 404, "ProducingRunMissing": 404, "LinkedSubjectMissing": 404, "DerivedFromDatasetsMissing": 404,
        "RunNotFound": 404, "SubjectNotFound": 404, "NotFound": 404,
        "MethodNotAllowed": 405,
        "NotAcceptable": 406,
        "DatasetAlreadyExists": 409, "DatasetAlreadyPromoted": 409, "DatasetAlreadyRetracted": 409, "DatasetCannotPromote": 409,
        "DatasetCannotDemote": 409, "DatasetCannotDiscard": 409, "DerivedFromDatasetsDiscarded": 409, "RunAlreadyEnded": 409,
        "IdempotencyKeyInFlight": 409, "ConcurrencyConflict": 409,
        "PayloadTooLarge": 413,
        "UnsupportedMediaType": 415,
        "InvalidRequest": 422, "InvalidCursor": 422, "IdempotencyKeyReused": 422,
        "InternalError": 500,
        "StoreUnavailable": 503, "TooManyStreams": 503,
    ]

    /// What the runner itself can answer for any slice, before and around its handler.
    static func runner(_ key: KeyRule) -> [String] {
        var codes = ["Unauthenticated", "Unauthorized", "InvalidRequest", "StoreUnavailable"]
        switch key {
        case .none: break
        case .optional: codes += ["InvalidIdempotencyKey", "IdempotencyKeyInFlight", "IdempotencyKeyReused"]
        case .required: codes += ["IdempotencyKeyMissing", "InvalidIdempotencyKey", "IdempotencyKeyInFlight", "IdempotencyKeyReused"]
        }
        return codes
    }
}
