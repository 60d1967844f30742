import CoraKernel
import Foundation

/// A page of Datasets in `(created_at, dataset_id)` order, strictly after `after`, matching `filter`.
public struct ListDatasets: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let limitRange = 1...100

    public var filter: DatasetListFilter
    public var after: DatasetListPosition?
    public var limit: Int

    public init(filter: DatasetListFilter = DatasetListFilter(), after: DatasetListPosition? = nil, limit: Int = ListDatasets.defaultLimit) {
        self.filter = filter
        self.after = after
        self.limit = limit
    }
}

public struct DatasetPage: Sendable, Equatable {
    public let items: [DatasetSummaryRow]
    /// Where the next page starts; `nil` exactly when no later row matches.
    public let next: DatasetListPosition?
}

public struct ListDatasetsHandler: Sendable {
    let dependencies: ServiceDependencies
    public init(_ dependencies: ServiceDependencies) { self.dependencies = dependencies }

    /// Fetches one row more than asked, so `next` is nil exactly when nothing later matches.
    public func handle(_ query: ListDatasets) async throws -> DatasetPage {
        let rows = try await dependencies.store.listDatasets(query.filter, after: query.after, limit: query.limit + 1)
        let items = Array(rows.prefix(query.limit))
        let next = rows.count > query.limit ? items.last.map { DatasetListPosition(createdAt: $0.createdAt, datasetID: $0.datasetID) } : nil
        return DatasetPage(items: items, next: next)
    }
}
