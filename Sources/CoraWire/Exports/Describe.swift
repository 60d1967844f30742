import CoraData
import CoraKernel
import Foundation

/// The sentence the exports describe a Dataset with, built from the record alone.
enum DatasetDescription {
    static func of(_ dataset: Dataset) -> String {
        var parts = ["\(dataset.name.value): \(dataset.byteSize.value) bytes of \(dataset.encoding.mediaType) at \(dataset.uri.value)"]
        if !dataset.derivedFrom.isEmpty { parts.append("derived from \(dataset.derivedFrom.count) Dataset\(dataset.derivedFrom.count == 1 ? "" : "s")") }
        if !dataset.usedCalibrations.isEmpty {
            parts.append("citing \(dataset.usedCalibrations.count) calibration revision\(dataset.usedCalibrations.count == 1 ? "" : "s")")
        }
        parts.append("catalogued \(dataset.createdAt.rfc3339); status \(dataset.status.rawValue), intent \(dataset.intent.rawValue)")
        return parts.joined(separator: "; ") + "."
    }

    /// The record's page on the web, when the service knows its own address.
    static func link(_ id: UUID, base: String?) -> String? { base.map { "\($0)/datasets/\(id.lowercased)" } }
}

extension DatasetProvenance {
    /// The `derived_from` parents the export holds (named), in id order.
    var parents: [Dataset] {
        let byID = Dictionary(uniqueKeysWithValues: datasets.map { ($0.dataset.id, $0.dataset) })
        return root.dataset.derivedFrom.sorted(by: uuidOrder).compactMap { byID[$0] }
    }
}
