import CoraKernel
import Foundation

/// Every command and query by name; the policy file grants these (§2).
public enum OperationName: String, Sendable, CaseIterable {
    case registerDataset = "RegisterDataset"
    case promoteDataset = "PromoteDataset"
    case demoteDataset = "DemoteDataset"
    case discardDataset = "DiscardDataset"
    case getDataset = "GetDataset"
    case listDatasets = "ListDatasets"
    case getDatasetHistory = "GetDatasetHistory"
    case registerSubject = "RegisterSubject"
    case getSubject = "GetSubject"
    case startRun = "StartRun"
    case endRun = "EndRun"
    case getRun = "GetRun"
    case getDatasetLineage = "GetDatasetLineage"
    case getCalibrationImpact = "GetCalibrationImpact"
    case exportDataset = "ExportDataset"

    /// Whether the operation changes state (it has a decider) rather than reading it.
    public var isCommand: Bool {
        switch self {
        case .registerDataset, .promoteDataset, .demoteDataset, .discardDataset, .registerSubject, .startRun, .endRun: true
        case .getDataset, .listDatasets, .getDatasetHistory, .getSubject, .getRun, .getDatasetLineage, .getCalibrationImpact, .exportDataset: false
        }
    }
}

public enum AccessError: Error, Sendable, Equatable, ProblemReportable {
    case unauthorized(OperationName, PrincipalID)

    public var problem: Problem {
        switch self {
        case .unauthorized(let operation, let principal):
            Problem(status: 403, code: "Unauthorized", detail: "Principal \(principal) is not granted \(operation.rawValue).")
        }
    }
}

/// The policy of `CORA_POLICY_FILE`: `{"grants":[{"principal":"<uuid>|*","allow":["<operation>"|"*", …]}]}`.
/// Without a policy every authenticated principal may do everything.
public struct AccessPolicy: Sendable {
    private enum Grant: Sendable {
        case everything
        case only(Set<OperationName>)
    }

    private let grants: [UUID?: Grant]?

    public static let allowAll = AccessPolicy(grants: nil)

    private init(grants: [UUID?: Grant]?) {
        self.grants = grants
    }

    public struct InvalidPolicy: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses a policy document, refusing anything it does not understand: a typo in a policy file
    /// must stop the server, not silently deny or allow.
    public init(json bytes: [UInt8]) throws(InvalidPolicy) {
        let document: JSONValue
        do { document = try JSONParser.parse(bytes) } catch { throw InvalidPolicy(description: "policy file is not JSON: \(error.message)") }
        guard case .object(let top) = document, top.keys.allSatisfy({ $0 == "grants" }), case .array(let entries)? = top["grants"] else {
            throw InvalidPolicy(description: "policy file must be {\"grants\":[…]}")
        }
        var grants: [UUID?: Grant] = [:]
        for entry in entries {
            guard case .object(let members) = entry, Set(members.keys) == ["principal", "allow"],
                  case .string(let principal)? = members["principal"], case .array(let allowed)? = members["allow"]
            else { throw InvalidPolicy(description: "each grant must be {\"principal\": \"<uuid>|*\", \"allow\": [...]}") }
            let key: UUID?
            if principal == "*" { key = nil } else {
                guard let uuid = UUID(strict: principal) else { throw InvalidPolicy(description: "grant principal '\(principal)' is not a UUID or *") }
                key = uuid
            }
            var operations: Set<OperationName> = []
            var everything = false
            for item in allowed {
                guard case .string(let name) = item else { throw InvalidPolicy(description: "allow entries must be strings") }
                if name == "*" { everything = true; continue }
                guard let operation = OperationName(rawValue: name) else { throw InvalidPolicy(description: "unknown operation '\(name)' in policy") }
                operations.insert(operation)
            }
            switch (grants[key], everything) {
            case (_, true), (.everything?, _): grants[key] = .everything
            case (.only(let existing)?, false): grants[key] = .only(existing.union(operations))
            case (nil, false): grants[key] = .only(operations)
            }
        }
        self.init(grants: grants)
    }

    public func authorize(_ operation: OperationName, for principal: PrincipalID) throws(AccessError) {
        guard let grants else { return }
        for key in [principal.uuid, nil] as [UUID?] {
            switch grants[key] {
            case .everything?: return
            case .only(let operations)? where operations.contains(operation): return
            default: continue
            }
        }
        throw .unauthorized(operation, principal)
    }
}
