import CoraData
import CoraKernel
import Foundation

/// The opaque keyset cursor: base64url of the position plus a check value, so a corrupted or edited
/// cursor is refused rather than silently shifting the page. It is not secret: it only names a position.
public enum DatasetListCursor {
    private static let domain = Array("cora.list.datasets.v1".utf8)

    public static func encode(_ position: DatasetListPosition) -> String {
        var bytes = withUnsafeBytes(of: position.createdAt.microsecondsSinceEpoch.bigEndian, Array.init)
        bytes += withUnsafeBytes(of: position.datasetID.uuid, Array.init)
        bytes += Digest.sha256(domain + bytes).prefix(8)
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: String) throws(RequestError) -> DatasetListPosition {
        let invalid = RequestError.invalidCursor("The cursor is not one this service issued; start again without a cursor.")
        guard !text.isEmpty, text.count <= 64,
              text.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" })
        else { throw invalid }
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
