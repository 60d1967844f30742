import CoraData
import CoraKernel
import Foundation

extension Slices {
    /// MCP `export_dataset`: any format, named by the `format` argument.
    public static let exportDataset = export(formats: ExportFormat.allCases, defaultFormat: nil)
    /// `GET /datasets/{dataset_id}/prov?format=prov-json|prov-jsonld|prov-o&depth=0..10`.
    public static let exportProv = export(formats: [.provJSON, .provJSONLD, .provO], defaultFormat: .provJSON)
    /// `GET /datasets/{dataset_id}/ro-crate`.
    public static let exportROCrate = export(formats: [.roCrate], defaultFormat: .roCrate)
    /// `GET /datasets/{dataset_id}` with `Accept: application/ld+json`: the schema.org Dataset, no parameters.
    public static let exportSchemaOrg = export(formats: [.schemaOrg], defaultFormat: .schemaOrg, asOf: false)

    /// An export: `format` among `formats` (a route serving one takes none), `depth` for the PROV
    /// formats (the others name the Dataset's direct parents), `as_of_*` unless `asOf` is false.
    static func export(formats: [ExportFormat], defaultFormat: ExportFormat?, asOf takesAsOf: Bool = true) -> Slice<WireRequest, (ExportFormat, ExportDataset), ExportedDocument> {
        Slice(.exportDataset, refusals: ["DatasetNotFound"]) { request in
            let datasetID = try request.pathUUID("dataset_id")
            var parameters = request.parameters.reader
            var format = defaultFormat
            if formats.count > 1 {
                let named = try parameters.string("format")
                if let named {
                    guard let chosen = ExportFormat(rawValue: named), formats.contains(chosen) else {
                        throw RequestError.invalidRequest(field: "format", detail: "format must be one of \(formats.map(\.rawValue).joined(separator: ", ")).")
                    }
                    format = chosen
                }
            }
            guard let format else { throw RequestError.invalidRequest(field: "format", detail: "format is required: one of \(formats.map(\.rawValue).joined(separator: ", ")).") }
            let depth = format.isProv ? try parameters.integer("depth", in: ExportDataset.depthRange) ?? 10 : 1
            let asOf = takesAsOf ? try parameters.asOf() : .latest
            try parameters.finish()
            let query = ExportDataset(datasetID: datasetID, depth: depth, asOf: asOf)
            return { (format, query) }
        } handle: { dependencies, command, _, _ in
            ExportedDocument(format: command.0, provenance: try await ExportDatasetHandler(dependencies).handle(command.1))
        }
    }
}
