import CoraData
import CoraKernel
import Foundation

// What each page's template shows, built from the slices' outputs. Strings here are plain text: the
// templates escape every one of them (`{{…}}`); only the SVG, which escapes its own text, and the
// JSON-LD block, made safe for a script element, are written raw.

/// Where the catalog's pages are.
public enum CatalogLinks {
    public static let root = "/ui/datasets"
    public static func dataset(_ id: UUID) -> String { "/ui/datasets/\(id.lowercased)" }
    public static func run(_ id: UUID) -> String { "/ui/runs/\(id.lowercased)" }
    public static func calibration(_ id: UUID) -> String { "/ui/calibration-revisions/\(id.lowercased)" }
    public static func export(_ id: UUID, _ format: String) -> String { "/ui/datasets/\(id.lowercased)/export/\(format)" }

    /// `path?name=value&…`, the values percent-encoded, empty values left out.
    public static func with(_ path: String, _ pairs: [(String, String?)]) -> String {
        let query = pairs.compactMap { name, value -> String? in
            guard let value, !value.isEmpty else { return nil }
            return name + "=" + (value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")
        }
        return query.isEmpty ? path : path + "?" + query.joined(separator: "&")
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

/// The parts every page shares.
public struct PageFrame: Sendable {
    public let title: String
    public let principal: String?
    public let jsonLD: String?

    public init(title: String, principal: PrincipalID?, jsonLD: String? = nil) {
        self.title = title
        self.principal = principal?.description
        self.jsonLD = jsonLD.map(PageFrame.scriptSafe)
    }

    /// JSON inside `<script>` must not contain `</script>`: every `<` (found only inside JSON strings) is
    /// written as its `\u003c` escape, which JSON readers decode back.
    static func scriptSafe(_ json: String) -> String { json.replacingOccurrences(of: "<", with: "\\u003c") }
}

/// A row of a Dataset table: name, badges, when.
public struct DatasetRowView: Sendable {
    let href: String
    let name: String
    let uri: String
    let status: String
    let statusClass: String
    let intent: String
    let intentClass: String
    let createdAt: String

    public init(_ row: DatasetSummaryRow, intent: Intent?) {
        href = CatalogLinks.dataset(row.datasetID)
        name = row.name
        uri = row.uri
        status = row.status.rawValue
        statusClass = row.status.rawValue.lowercased()
        self.intent = intent?.rawValue ?? "—"
        intentClass = intent?.rawValue.lowercased() ?? "unknown"
        createdAt = row.createdAt.rfc3339
    }
}

/// `/ui/datasets`: the filters as the form shows them, the page, the next page's link.
public struct DatasetListView: Sendable {
    public struct Filter: Sendable {
        public var status: String?
        public var usedCalibration: String?
        public var derivedFrom: String?
        public var producingRun: String?
        public var subject: String?
        public var limit: String?

        public init(status: String? = nil, usedCalibration: String? = nil, derivedFrom: String? = nil, producingRun: String? = nil,
                    subject: String? = nil, limit: String? = nil) {
            self.status = status
            self.usedCalibration = usedCalibration
            self.derivedFrom = derivedFrom
            self.producingRun = producingRun
            self.subject = subject
            self.limit = limit
        }

        /// The list's query parameters, as the API names them.
        public var pairs: [(String, String?)] {
            [("status", status), ("used_calibrations", usedCalibration), ("derived_from", derivedFrom), ("producing_run_id", producingRun),
             ("subject_id", subject), ("limit", limit)]
        }
    }

    struct StatusOption: Sendable {
        let value: String
        let label: String
        let selected: Bool
    }

    let title = "Datasets"
    let principal: String?
    let filter: Filter
    let statuses: [StatusOption]
    let items: [DatasetRowView]
    let nextHref: String?

    public init(frame: PageFrame, filter: Filter, items: [DatasetRowView], nextCursor: String?) {
        principal = frame.principal
        self.filter = filter
        statuses = [StatusOption(value: "", label: "any", selected: filter.status == nil)]
            + DatasetStatus.allCases.map { StatusOption(value: $0.rawValue, label: $0.rawValue, selected: filter.status == $0.rawValue) }
        self.items = items
        nextHref = nextCursor.map { CatalogLinks.with(CatalogLinks.root, filter.pairs + [("cursor", $0)]) }
    }
}

/// `/ui/datasets/{id}`: the record, its history as a timeline, its lineage as a picture, as of a point.
public struct DatasetView: Sendable {
    struct Link: Sendable {
        let id: String
        let href: String
    }

    struct Export: Sendable {
        let label: String
        let href: String
    }

    struct HistoryItem: Sendable {
        let title: String
        let at: String
        let position: Int64
        let actor: String
        let reason: String?
    }

    let title: String
    let principal: String?
    let jsonLD: String?
    let id: String
    let name: String
    let uri: String
    /// Only an http(s) URI is a link; any other is shown as text.
    let uriHref: String?
    let sha256: String
    let byteSize: String
    let mediaType: String
    let conformsTo: [String]
    let runID: String?
    let runHref: String?
    let runEndState: String?
    let subjectID: String?
    let parents: [Link]
    let calibrations: [Link]
    let createdAt: String
    let updatedAt: String
    let version: Int
    let status: String
    let statusClass: String
    let intent: String
    let intentClass: String
    let exports: [Export]
    let currentHref: String
    let asOfLabel: String?
    let asOfPosition: String
    let asOfTime: String
    let lineageSummary: String
    let truncated: Bool
    let maxNodes: Int
    let lineageSVG: String
    let history: [HistoryItem]

    /// `events` are the Dataset's events visible at the page's point (all of them when it shows now);
    /// `lineage` was walked from it as of the same point, so its root carries the status and intent then.
    public init(frame: PageFrame, dataset: Dataset, events: [RecordedEvent], lineage: DatasetLineage, asOf: (position: String?, time: String?)) {
        title = frame.title
        principal = frame.principal
        jsonLD = frame.jsonLD
        id = dataset.id.lowercased
        name = dataset.name.value
        uri = dataset.uri.value
        uriHref = ["http", "https"].contains(URL(string: dataset.uri.value)?.scheme?.lowercased() ?? "") ? dataset.uri.value : nil
        sha256 = dataset.checksum.value
        byteSize = String(dataset.byteSize.value)
        mediaType = dataset.encoding.mediaType
        conformsTo = dataset.encoding.conformsTo.sorted()
        runID = dataset.producingRunID?.lowercased
        runHref = dataset.producingRunID.map(CatalogLinks.run)
        runEndState = dataset.producingRunEndState?.rawValue
        subjectID = dataset.subjectID?.lowercased
        parents = dataset.derivedFrom.sorted(by: uuidOrder).map { Link(id: $0.lowercased, href: CatalogLinks.dataset($0)) }
        calibrations = dataset.usedCalibrations.sorted(by: uuidOrder).map { Link(id: $0.lowercased, href: CatalogLinks.calibration($0)) }
        createdAt = dataset.createdAt.rfc3339
        updatedAt = events.last?.occurredAt.rfc3339 ?? dataset.updatedAt.rfc3339
        version = events.count
        let root = lineage.graph.nodes.first { $0.distance == 0 }?.node
        status = (root?.status ?? dataset.status).rawValue
        statusClass = status.lowercased()
        intent = (root?.intent ?? dataset.intent).rawValue
        intentClass = intent.lowercased()
        exports = [("PROV-JSON", "prov-json"), ("PROV-JSONLD", "prov-jsonld"), ("PROV-O", "prov-o"), ("RO-Crate", "ro-crate"), ("schema.org", "schema-org")]
            .map { Export(label: $0.0, href: CatalogLinks.with(CatalogLinks.export(dataset.id, $0.1), [("as_of_position", asOf.position), ("as_of_time", asOf.time)])) }
        currentHref = CatalogLinks.dataset(dataset.id)
        switch (asOf.position, asOf.time) {
        case (let position?, _): asOfLabel = "position \(position)"
        case (nil, let time?): asOfLabel = time
        default: asOfLabel = nil
        }
        asOfPosition = asOf.position ?? ""
        asOfTime = asOf.time ?? ""
        let graph = lineage.graph
        let ancestors = graph.nodes.count { $0.distance < 0 }, descendants = graph.nodes.count { $0.distance > 0 }
        lineageSummary = "\(ancestors) ancestor\(ancestors == 1 ? "" : "s") and \(descendants) descendant\(descendants == 1 ? "" : "s") within \(lineage.query.depth) generation\(lineage.query.depth == 1 ? "" : "s")."
        truncated = graph.truncated
        maxNodes = lineage.query.maxNodes
        lineageSVG = LineagePicture.svg(
            nodes: graph.nodes.map { LineagePicture.Node(id: $0.node.datasetID, name: $0.node.name, distance: $0.distance, intent: $0.node.intent, status: $0.node.status) },
            edges: graph.edges, highlighted: dataset.id, link: CatalogLinks.dataset)
        history = events.reversed().map { event in
            var reason: String?
            if case .string(let text)? = event.payload["reason"] { reason = text }
            return HistoryItem(title: Self.describe(event.eventType), at: event.occurredAt.rfc3339, position: event.position,
                               actor: event.metadata.actorID.description, reason: reason)
        }
    }

    static func describe(_ eventType: String) -> String {
        switch eventType {
        case "DatasetRegistered": "Registered (Trial)"
        case "DatasetPromoted": "Promoted to Production"
        case "DatasetDemoted": "Demoted: Retracted"
        case "DatasetDiscarded": "Discarded: the bytes were deleted"
        default: eventType
        }
    }
}

/// `/ui/runs/{id}`: the Run and the Datasets it produced.
public struct RunView: Sendable {
    let title: String
    let principal: String?
    let id: String
    let name: String
    let status: String
    let subjectID: String?
    let startedAt: String
    let endedAt: String?
    let items: [DatasetRowView]
    let moreHref: String?

    public init(frame: PageFrame, run: Run, produced: [DatasetRowView], more: Bool) {
        title = frame.title
        principal = frame.principal
        id = run.id.lowercased
        name = run.name
        status = run.status.rawValue
        subjectID = run.subjectID?.lowercased
        startedAt = run.startedAt.rfc3339
        endedAt = run.endedAt?.rfc3339
        items = produced
        moreHref = more ? CatalogLinks.with(CatalogLinks.root, [("producing_run_id", run.id.lowercased)]) : nil
    }
}

/// `/ui/calibration-revisions/{id}`: what a drifted revision touches.
public struct ImpactView: Sendable {
    struct Row: Sendable {
        let href: String
        let name: String
        let distance: Int
        let cites: Bool
        let status: String
        let statusClass: String
        let intent: String
        let intentClass: String
    }

    let title: String
    let principal: String?
    let id: String
    let citing: Int
    let descendants: Int
    let production: Int
    let depth: Int
    let truncated: Bool
    let maxNodes: Int
    let asOfLabel: String
    let listHref: String
    let nodes: [Row]

    public init(frame: PageFrame, impact: CalibrationImpact) {
        title = frame.title
        principal = frame.principal
        id = impact.query.revisionID.lowercased
        citing = impact.citing
        descendants = impact.descendants
        production = impact.production
        depth = impact.query.depth
        truncated = impact.graph.truncated
        maxNodes = impact.query.maxNodes
        switch impact.graph.asOf {
        case .position(let position): asOfLabel = "position \(position)"
        case .time(let time): asOfLabel = time.rfc3339
        }
        listHref = CatalogLinks.with(CatalogLinks.root, [("used_calibrations", impact.query.revisionID.lowercased)])
        nodes = impact.graph.nodes.map { walked in
            Row(href: CatalogLinks.dataset(walked.node.datasetID), name: walked.node.name, distance: walked.distance, cites: impact.cites(walked),
                status: walked.node.status.rawValue, statusClass: walked.node.status.rawValue.lowercased(),
                intent: walked.node.intent.rawValue, intentClass: walked.node.intent.rawValue.lowercased())
        }
    }
}

/// A refusal, as a page: its status, code and detail, and how to sign in when that is what is missing.
public struct ProblemView: Sendable {
    let title: String
    let principal: String?
    let heading: String
    let code: String
    let detail: String
    let signIn: Bool

    public init(frame: PageFrame, problem: Problem) {
        title = frame.title
        principal = frame.principal
        heading = problem.status == 401 ? "Sign in to the catalog" : problem.status == 404 ? "Not found" : "The catalog cannot show this"
        code = problem.code
        detail = problem.detail
        signIn = problem.status == 401
    }
}
