import CoraData
import CoraKernel
import CoraTestSupport
import CoraWire
import Foundation
import Testing

@Suite("Import (cora import)")
struct ImportTests {
    static func line(_ number: Int, _ body: JSONValue) -> ImportLine { ImportLine(number: number, bytes: CanonicalJSON.bytes(body)) }

    /// A batch as `cora import` runs it: through the runner, as the principal of the fixtures.
    static func run(_ batch: [ImportLine], _ dependencies: ServiceDependencies) async throws -> [UUID] {
        try await SliceRunner(dependencies: dependencies, policy: .allowAll).run(Slices.importDatasets, batch) { Fixtures.caller() }
    }

    @Test(arguments: StoreKind.allCases)
    func aBatchIsOneTransactionWithOneLoadAndEveryLineIsRegistered(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let counting = CountingStore(store)
            let dependencies = ServiceDependencies(store: counting)
            let source = try await dependencies.register()
            let run = try await dependencies.startRun()
            counting.loads.withLock { $0.removeAll() }
            counting.transactions.withLock { $0 = 0 }

            let batch = [
                Self.line(1, Fixtures.registerBody(["name": "first"])),
                Self.line(2, Fixtures.registerBody(["name": "second", "derived_from": [.string(source.lowercased)]])),
                Self.line(4, Fixtures.registerBody(["name": "third", "producing_run_id": .string(run.lowercased), "used_calibrations": ["00000000-0000-4000-8000-000000000007"]])),
            ]
            let ids = try await Self.run(batch, dependencies)
            #expect(ids.count == 3 && Set(ids).count == 3)
            #expect(counting.transactions.value == 1)
            #expect(counting.loads.value == [5]) // three new streams, the source, the Run
            for (id, name) in zip(ids, ["first", "second", "third"]) {
                let dataset = try await dependencies.dataset(id)
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
            let good = Fixtures.registerBody()
            var uriMissing = Fixtures.registerBody()
            if case .object(var members) = uriMissing { members["uri"] = nil; uriMissing = .object(members) }
            let unknownRun = Fixtures.registerBody(["producing_run_id": "00000000-0000-4000-8000-00000000dead"])
            for (batch, line, code) in [([Self.line(7, good), Self.line(8, uriMissing)], 8, "InvalidRequest"),
                                        ([Self.line(1, good), Self.line(2, good), Self.line(3, unknownRun)], 3, "ProducingRunMissing")] {
                do {
                    _ = try await Self.run(batch, dependencies)
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
