import CoraData
import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird

// Lineage and impact (CONTRACT §11): walks of the lineage read models.

extension Endpoints {
    static let getDatasetLineage = Endpoint(.get, "/datasets/{dataset_id}/lineage", Slices.getDatasetLineage, OpenAPIOperation(
        "GetDatasetLineage", "The Datasets this one derives from and those derived from it, to a depth, as of a point of the log.",
        queryParameters: Schema.lineageParameters, responses: [(200, "The lineage graph.", Schema.lineage)]
    )) { lineage in Responses.json(lineage.representation) }

    static let getCalibrationImpact = Endpoint(.get, "/calibration-revisions/{revision_id}/impact", Slices.getCalibrationImpact, OpenAPIOperation(
        "GetCalibrationImpact", "What a calibration revision touches: the Datasets citing it and those derived from them.",
        queryParameters: Schema.impactParameters, responses: [(200, "The impact graph.", Schema.impact)]
    )) { impact in Responses.json(impact.representation) }
}
