/// One handler per slice, built once from the service dependencies; every surface (REST, MCP) calls these.
public struct SliceHandlers: Sendable {
    public let dependencies: ServiceDependencies
    public let registerDataset: RegisterDatasetHandler
    public let promoteDataset: PromoteDatasetHandler
    public let demoteDataset: DemoteDatasetHandler
    public let discardDataset: DiscardDatasetHandler
    public let getDataset: GetDatasetHandler
    public let getDatasetHistory: GetDatasetHistoryHandler
    public let listDatasets: ListDatasetsHandler
    public let registerSubject: RegisterSubjectHandler
    public let getSubject: GetSubjectHandler
    public let startRun: StartRunHandler
    public let endRun: EndRunHandler
    public let getRun: GetRunHandler

    public init(_ dependencies: ServiceDependencies) {
        self.dependencies = dependencies
        registerDataset = .init(dependencies)
        promoteDataset = .init(dependencies)
        demoteDataset = .init(dependencies)
        discardDataset = .init(dependencies)
        getDataset = .init(dependencies)
        getDatasetHistory = .init(dependencies)
        listDatasets = .init(dependencies)
        registerSubject = .init(dependencies)
        getSubject = .init(dependencies)
        startRun = .init(dependencies)
        endRun = .init(dependencies)
        getRun = .init(dependencies)
    }
}
