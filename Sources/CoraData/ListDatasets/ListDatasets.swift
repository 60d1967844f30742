import CoraKernel
import Foundation

/// A validated ListDatasets query.
public struct ListDatasets: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let limitRange = 1...100

    public var filter: DatasetListFilter
    public var after: DatasetListPosition?
    public var limit: Int

    static let single: Set<String> = ["limit", "cursor", "status", "producing_run_id", "subject_id"]
    static let repeatable: Set<String> = ["used_calibrations"]

    /// Reads query parameters; anything unknown, repeated (other than `used_calibrations`) or malformed
    /// is refused, because a mistyped filter must not silently list everything.
    public init(query: [(name: String, value: String)]) throws(RequestError) {
        var seen: Set<String> = []
        var filter = DatasetListFilter()
        var after: DatasetListPosition?
        var limit = Self.defaultLimit
        for (name, value) in query {
            guard Self.single.contains(name) || Self.repeatable.contains(name) else {
                throw .invalidRequest(field: name, detail: "Unknown query parameter '\(name)'; known: \((Self.single.union(Self.repeatable)).sorted().joined(separator: ", ")).")
            }
            if Self.single.contains(name) {
                guard seen.insert(name).inserted else { throw .invalidRequest(field: name, detail: "Query parameter '\(name)' may appear only once.") }
            }
            switch name {
            case "limit":
                guard let parsed = Int(value), Self.limitRange.contains(parsed), value.allSatisfy(\.isASCIIDigit) else {
                    throw .invalidRequest(field: name, detail: "limit must be a whole number from 1 to 100.")
                }
                limit = parsed
            case "cursor":
                after = try DatasetListCursor.decode(value)
            case "status":
                guard let status = DatasetStatus(rawValue: value) else {
                    throw .invalidRequest(field: name, detail: "status must be Registered or Discarded.")
                }
                filter.status = status
            case "producing_run_id":
                filter.producingRunID = try parsePathUUID(value, name: name)
            case "subject_id":
                filter.subjectID = try parsePathUUID(value, name: name)
            default:
                let id = try parsePathUUID(value, name: name)
                if !filter.usedCalibrations.contains(id) { filter.usedCalibrations.append(id) }
            }
        }
        guard filter.usedCalibrations.count <= 64 else {
            throw .invalidRequest(field: "used_calibrations", detail: "At most 64 used_calibrations may be given.")
        }
        self.filter = filter
        self.after = after
        self.limit = limit
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

/// The opaque keyset cursor: base64url of the position plus a check value, so a corrupted or edited
/// cursor is refused rather than silently shifting the page. It is not secret: it only names a position.
enum DatasetListCursor {
    private static let domain = Array("cora.list.datasets.v1".utf8)

    static func encode(_ position: DatasetListPosition) -> String {
        var bytes = withUnsafeBytes(of: position.createdAt.microsecondsSinceEpoch.bigEndian, Array.init)
        bytes += withUnsafeBytes(of: position.datasetID.uuid, Array.init)
        bytes += Digest.sha256(domain + bytes).prefix(8)
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) throws(RequestError) -> DatasetListPosition {
        let invalid = RequestError.invalidCursor("The cursor is not one this service issued; start again without a cursor.")
        guard !text.isEmpty, text.count <= 64,
              text.unicodeScalars.allSatisfy({ $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) else { throw invalid }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), data.count == 32 else { throw invalid }
        let bytes = Array(data)
        guard Array(Digest.sha256(domain + bytes[0..<24]).prefix(8)) == Array(bytes[24..<32]) else { throw invalid }
        let micros = bytes[0..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let u = Array(bytes[8..<24])
        let id = UUID(uuid: (u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]))
        // Re-encoding must give the same text, so two spellings of one position cannot both pass.
        let position = DatasetListPosition(createdAt: Timestamp(microsecondsSinceEpoch: micros), datasetID: id)
        guard encode(position) == text else { throw invalid }
        return position
    }
}

public struct DatasetPage: Sendable {
    public let items: [DatasetSummaryRow]
    public let nextCursor: String?

    public var representation: JSONValue {
        .object(["items": .array(items.map(\.listItem)), "next_cursor": nextCursor.map(JSONValue.string) ?? .null])
    }
}

public struct ListDatasetsHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    public func handle(query: [(name: String, value: String)], caller: CallContext) async throws -> DatasetPage {
        try dependencies.authorize(.listDatasets, caller)
        return try await page(ListDatasets(query: query))
    }

    /// Fetches one row more than asked, so `next_cursor` is null exactly when nothing later matches.
    private func page(_ query: ListDatasets) async throws -> DatasetPage {
        let rows = try await dependencies.store.listDatasets(query.filter, after: query.after, limit: query.limit + 1)
        let items = Array(rows.prefix(query.limit))
        let next = rows.count > query.limit ? items.last.map { DatasetListCursor.encode(DatasetListPosition(createdAt: $0.createdAt, datasetID: $0.datasetID)) } : nil
        return DatasetPage(items: items, nextCursor: next)
    }
}
