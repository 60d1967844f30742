import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("Import (cora import)")
struct ImportTests {
    static func line(_ body: JSONValue) -> CommandBody { .bytes(Array(CanonicalJSON.string(body).utf8)) }

    @Test(arguments: StoreKind.allCases)
    func aBatchIsOneTransactionWithOneLoadAndEveryLineIsRegistered(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let counting = CountingStore(store)
            let dependencies = ServiceDependencies(store: counting)
            let source = try await RegisterDatasetHandler(dependencies).handle(body: .json(Fixtures.registerBody()), idempotencyKey: "k", caller: Fixtures.caller()).datasetID
            let run = try await StartRunHandler(dependencies).handle(body: .json(["name": "r"]), idempotencyKey: nil, caller: Fixtures.caller())
            counting.loads.withLock { $0.removeAll() }
            counting.transactions.withLock { $0 = 0 }

            let batch: [(line: Int, body: CommandBody)] = [
                (1, Self.line(Fixtures.registerBody(["name": "first"]))),
                (2, Self.line(Fixtures.registerBody(["name": "second", "derived_from": [.string(source.lowercased)]]))),
                (4, Self.line(Fixtures.registerBody(["name": "third", "producing_run_id": .string(run.id.lowercased), "used_calibrations": ["00000000-0000-4000-8000-000000000007"]]))),
            ]
            let ids = try await ImportDatasetsHandler(dependencies).handle(batch, caller: Fixtures.caller())
            #expect(ids.count == 3 && Set(ids).count == 3)
            #expect(counting.transactions.value == 1)
            #expect(counting.loads.value == [5]) // three new streams, the source, the Run
            for (id, name) in zip(ids, ["first", "second", "third"]) {
                let dataset = try await GetDatasetHandler(dependencies).handle(datasetID: id.lowercased, caller: Fixtures.caller())
                #expect(dataset.name.value == name)
            }
            let cited = try await store.listDatasets(DatasetListFilter(usedCalibrations: [UUID(strict: "00000000-0000-4000-8000-000000000007")!]), after: nil, limit: 10)
            #expect(cited.map(\.datasetID) == [ids[2]])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aRefusedLineIsNamedAndItsBatchLeavesNothing(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let dependencies = ServiceDependencies(store: store)
            let good = Self.line(Fixtures.registerBody())
            var uriMissing = Fixtures.registerBody()
            if case .object(var members) = uriMissing { members["uri"] = nil; uriMissing = .object(members) }
            let unknownRun = Self.line(Fixtures.registerBody(["producing_run_id": "00000000-0000-4000-8000-00000000dead"]))
            for (batch, line, code) in [([(7, good), (8, Self.line(uriMissing))], 8, "InvalidRequest"), ([(1, good), (2, good), (3, unknownRun)], 3, "ProducingRunMissing")] {
                do {
                    _ = try await ImportDatasetsHandler(dependencies).handle(batch, caller: Fixtures.caller())
                    Issue.record("the batch was accepted")
                } catch let refused as ImportLineError {
                    #expect(refused.line == line)
                    #expect(refused.problem.code == code)
                }
            }
            #expect(try await store.listDatasets(DatasetListFilter(), after: nil, limit: 10).isEmpty)
        }
    }
}
