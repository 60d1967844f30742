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
    case readEvents = "ReadEvents"

    /// Whether the operation changes state (it has a decider) rather than reading it.
    public var isCommand: Bool {
        switch self {
        case .registerDataset, .promoteDataset, .demoteDataset, .discardDataset, .registerSubject, .startRun, .endRun: true
        case .getDataset, .listDatasets, .getDatasetHistory, .getSubject, .getRun, .getDatasetLineage, .getCalibrationImpact, .exportDataset, .readEvents: false
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

/// The policy of `CORA_POLICY_FILE`: `{"grants":[{"principal":"<uuid>|*","allow":["<operation>"|"*", …]}]}`;
/// a grant may name a `"group"` instead of a principal, matched against the groups a bearer token carries.
/// Without a policy every authenticated principal may do everything.
public struct AccessPolicy: Sendable {
    private enum Grant: Sendable {
        case everything
        case only(Set<OperationName>)

        func adding(_ operations: Set<OperationName>, everything all: Bool) -> Grant {
            switch (self, all) {
            case (_, true), (.everything, _): .everything
            case (.only(let existing), false): .only(existing.union(operations))
            }
        }

        func allows(_ operation: OperationName) -> Bool {
            switch self {
            case .everything: true
            case .only(let operations): operations.contains(operation)
            }
        }
    }

    /// By principal (nil: `*`, everyone) and by group.
    private let grants: (principals: [UUID?: Grant], groups: [String: Grant])?

    public static let allowAll = AccessPolicy(grants: nil)

    private init(grants: (principals: [UUID?: Grant], groups: [String: Grant])?) {
        self.grants = grants
    }

    public struct InvalidPolicy: Error, CustomStringConvertible {
        public let description: String
    }

    private enum Grantee: Hashable {
        case principal(UUID?)
        case group(String)
    }

    /// Parses a policy document, refusing anything it does not understand: a typo in a policy file
    /// must stop the server, not silently deny or allow.
    public init(json bytes: [UInt8]) throws(InvalidPolicy) {
        let document: JSONValue
        do { document = try JSONParser.parse(bytes) } catch { throw InvalidPolicy(description: "policy file is not JSON: \(error.message)") }
        guard case .object(let top) = document, top.keys.allSatisfy({ $0 == "grants" }), case .array(let entries)? = top["grants"] else {
            throw InvalidPolicy(description: "policy file must be {\"grants\":[…]}")
        }
        var principals: [UUID?: Grant] = [:]
        var groups: [String: Grant] = [:]
        for entry in entries {
            let shape = "each grant must be {\"principal\": \"<uuid>|*\", \"allow\": [...]} or {\"group\": \"<name>\", \"allow\": [...]}"
            guard case .object(let members) = entry, members.count == 2, case .array(let allowed)? = members["allow"] else { throw InvalidPolicy(description: shape) }
            let grantee: Grantee
            switch (members["principal"], members["group"]) {
            case (.string("*")?, nil): grantee = .principal(nil)
            case (.string(let principal)?, nil):
                guard let uuid = UUID(strict: principal) else { throw InvalidPolicy(description: "grant principal '\(principal)' is not a UUID or *") }
                grantee = .principal(uuid)
            case (nil, .string(let group)?):
                guard !group.isEmpty else { throw InvalidPolicy(description: "grant group must not be empty") }
                grantee = .group(group)
            default: throw InvalidPolicy(description: shape)
            }
            var operations: Set<OperationName> = []
            var everything = false
            for item in allowed {
                guard case .string(let name) = item else { throw InvalidPolicy(description: "allow entries must be strings") }
                if name == "*" { everything = true; continue }
                guard let operation = OperationName(rawValue: name) else { throw InvalidPolicy(description: "unknown operation '\(name)' in policy") }
                operations.insert(operation)
            }
            switch grantee {
            case .principal(let key): principals[key] = (principals[key] ?? .only([])).adding(operations, everything: everything)
            case .group(let name): groups[name] = (groups[name] ?? .only([])).adding(operations, everything: everything)
            }
        }
        self.init(grants: (principals, groups))
    }

    /// Allowed when a grant names the caller, everyone (`*`), or one of the caller's groups.
    public func authorize(_ operation: OperationName, for caller: CallContext) throws(AccessError) {
        guard let grants else { return }
        if grants.principals[caller.principal.uuid]?.allows(operation) == true || grants.principals[nil]?.allows(operation) == true { return }
        if caller.groups.contains(where: { grants.groups[$0]?.allows(operation) == true }) { return }
        throw .unauthorized(operation, caller.principal)
    }
}
