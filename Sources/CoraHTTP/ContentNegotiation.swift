import CoraData
import CoraKernel
import CoraWire
import Foundation
import HTTPTypes
import Hummingbird

/// A refusal of the HTTP layer itself: the client accepts none of the representations a route has.
struct NotAcceptable: Error, ProblemReportable {
    let offered: [String]
    var problem: Problem {
        Problem(status: 406, code: "NotAcceptable", detail: "This resource is available as \(offered.joined(separator: " or ")); the Accept header allows none of them.")
    }
}

/// RFC 9110 proactive negotiation over `Accept`: each offered type takes the quality of the most specific
/// range that matches it; the best wins, the first offered on a tie. Hand-written: Hummingbird has no
/// Accept parser.
enum ContentNegotiation {
    static func choose(_ offers: [String], accept header: String?) throws -> String {
        guard let header, !header.trimmingOptionalWhitespace.isEmpty else { return offers[0] }
        let ranges = header.split(separator: ",").compactMap { item -> (type: String, subtype: String, quality: Double)? in
            let parts = item.split(separator: ";").map(\.trimmingOptionalWhitespace)
            let range = parts[0].lowercased().split(separator: "/", omittingEmptySubsequences: false)
            guard range.count == 2, !range[0].isEmpty, !range[1].isEmpty else { return nil }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)).map { min(max($0, 0), 1) } ?? 0
            }
            return (String(range[0]), String(range[1]), quality)
        }
        var best: (offer: String, quality: Double)?
        for offer in offers {
            let halves = offer.split(separator: "/").map(String.init)
            // Specificity: type/subtype beats type/* beats */*.
            let matching = ranges.compactMap { range -> (Int, Double)? in
                if range.type == halves[0], range.subtype == halves[1] { return (2, range.quality) }
                if range.type == halves[0], range.subtype == "*" { return (1, range.quality) }
                if range.type == "*", range.subtype == "*" { return (0, range.quality) }
                return nil
            }
            guard let quality = matching.max(by: { $0.0 < $1.0 })?.1, quality > 0 else { continue }
            if quality > (best?.quality ?? 0) { best = (offer, quality) }
        }
        guard let best else { throw NotAcceptable(offered: offers) }
        return best.offer
    }

    /// Where the client reached this service (for links when no public base URL is configured).
    static func requestBase(_ request: Request) -> String? {
        guard let host = request.head.authority else { return nil }
        let scheme = request.headers[HTTPField.Name("X-Forwarded-Proto")!].flatMap { $0 == "https" ? "https" : nil } ?? "http"
        return "\(scheme)://\(host)"
    }
}
