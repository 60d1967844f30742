import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import PropertyBased
import Testing

/// A slow, obviously right answer to lineage and impact: fold every Dataset event up to the position,
/// build the graph in memory, walk it by the contract's rules.
struct GraphOracle {
    let states: [UUID: Dataset]

    init(_ events: [RecordedEvent], upTo position: Int64) throws {
        var states: [UUID: Dataset] = [:]
        for recorded in events where recorded.position <= position {
            guard case .dataset(let event)? = DomainEvent(recorded) else { continue }
            states[event.datasetID] = DatasetEvolve.evolve(states[event.datasetID], event)
        }
        self.states = states
    }

    func node(_ id: UUID, _ distance: Int) -> WalkedNode? {
        guard let dataset = states[id] else { return nil }
        return WalkedNode(node: GraphNode(datasetID: id, name: dataset.name.value, uri: dataset.uri.value, producingRunID: dataset.producingRunID,
                                          createdAt: dataset.createdAt, status: dataset.status, intent: dataset.intent), distance: distance)
    }

    func parents(_ id: UUID) -> [UUID] { Array(states[id]?.derivedFrom ?? []) }
    func children(_ id: UUID) -> [UUID] { states.values.filter { $0.derivedFrom.contains(id) }.map(\.id) }

    static func order(_ lhs: WalkedNode, _ rhs: WalkedNode) -> Bool {
        (lhs.distance, lhs.node.createdAt, lhs.node.datasetID.lowercased) < (rhs.distance, rhs.node.createdAt, rhs.node.datasetID.lowercased)
    }

    /// Layers from `start`, each the unseen neighbours of the one before, cut at `maxNodes` in node order.
    func walk(start: [WalkedNode], up: Bool, down: Bool, depth: Int, maxNodes: Int, startTruncated: Bool = false) -> (nodes: [WalkedNode], edges: [[UUID]], truncated: Bool) {
        var included = start
        var seen = Set(start.map(\.node.datasetID))
        var layer = start
        var truncated = startTruncated
        var step = 0
        while step < depth, !truncated, !layer.isEmpty {
            var next: [UUID: Int] = [:]
            for walked in layer {
                if up, walked.distance <= start[0].distance { for id in parents(walked.node.datasetID) where !seen.contains(id) { next[id] = walked.distance - 1 } }
                if down, walked.distance >= start[0].distance { for id in children(walked.node.datasetID) where !seen.contains(id) { next[id] = walked.distance + 1 } }
            }
            let candidates = next.compactMap { node($0.key, $0.value) }.sorted(by: Self.order)
            let room = maxNodes - included.count
            layer = Array(candidates.prefix(room))
            truncated = candidates.count > room
            included += layer
            seen.formUnion(layer.map(\.node.datasetID))
            step += 1
        }
        // Lineage: an edge lies on an upstream path (both ends at or above the root) or a downstream one
        // (both at or below). Impact: every node is a citing Dataset or below one, so every edge among them.
        let distance = Dictionary(uniqueKeysWithValues: included.map { ($0.node.datasetID, $0.distance) })
        let edges = included.flatMap { child in
            parents(child.node.datasetID).filter { parent in
                guard let above = distance[parent] else { return false }
                return !up || (above < 0 && child.distance <= 0) || (above >= 0 && child.distance > 0)
            }.map { [$0, child.node.datasetID] }
        }
        return (included.sorted(by: Self.order), edges.sorted { $0.map(\.lowercased).joined() < $1.map(\.lowercased).joined() }, truncated)
    }

    func lineage(_ query: GetDatasetLineage) -> (nodes: [WalkedNode], edges: [[UUID]], truncated: Bool)? {
        guard let root = node(query.datasetID, 0) else { return nil }
        return walk(start: [root], up: query.direction != .downstream, down: query.direction != .upstream, depth: query.depth, maxNodes: query.maxNodes)
    }

    func impact(_ query: GetCalibrationImpact) -> (nodes: [WalkedNode], edges: [[UUID]], truncated: Bool) {
        let citing = states.values.filter { $0.usedCalibrations.contains(query.revisionID) }.compactMap { node($0.id, 1) }.sorted(by: Self.order)
        return walk(start: Array(citing.prefix(query.maxNodes)), up: false, down: true, depth: query.depth, maxNodes: query.maxNodes,
                    startTruncated: citing.count > query.maxNodes)
    }
}

/// SplitMix64: a seeded generator, so a failing history can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Lineage and impact against a from-scratch fold")
struct GraphTests {
    static let revisions = (1...3).map { SequentialIDs.id(prefix: 0x0C00_0000, UInt64($0)) }

    /// A random history through the real handlers: registrations derived from earlier Datasets, citing
    /// revisions from a small pool, then promotions, demotions and discards in random order.
    static func history(_ dependencies: ServiceDependencies, seed: UInt64, size: Int) async throws -> [UUID] {
        var random = SeededGenerator(state: seed)
        var ids: [UUID] = []
        var discarded = Set<UUID>()
        for _ in 0..<size {
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<5 where true:
                let sources = ids.filter { !discarded.contains($0) }.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random))
                let cited = revisions.filter { _ in Bool.random(using: &random) }
                ids.append(try await dependencies.register(["derived_from": .array(sources.map { .string($0.lowercased) }),
                                                            "used_calibrations": .array(cited.map { .string($0.lowercased) })]))
            case 5..<8 where !ids.isEmpty:
                let id = ids.randomElement(using: &random)!
                _ = try? await dependencies.promote(id)
                if Bool.random(using: &random) { _ = try? await dependencies.demote(id) }
            case 8..<10 where !ids.isEmpty:
                let id = ids.randomElement(using: &random)!
                if (try? await dependencies.discard(id)) != nil { discarded.insert(id) }
            default:
                continue
            }
        }
        return ids
    }

    static func check(_ store: any CoraStore, ids: [UUID], seed: UInt64, cases: Int) async throws {
        var random = SeededGenerator(state: seed ^ 0x5EED)
        let dependencies = ServiceDependencies(store: store)
        let events = try await store.readStreams(ids.map { StreamID(.dataset, $0) }).values.flatMap { $0 }.sorted { $0.position < $1.position }
        let latest = try await store.readGraph { try await $0.latestPosition() }
        for _ in 0..<cases {
            let position = Int64.random(in: 0...latest, using: &random)
            let oracle = try GraphOracle(events, upTo: position)
            let lineage = GetDatasetLineage(datasetID: ids.randomElement(using: &random)!, direction: LineageDirection.allCases.randomElement(using: &random)!,
                                            depth: Int.random(in: 1...4, using: &random), maxNodes: Int.random(in: 1...12, using: &random), asOf: .position(position))
            let expected = oracle.lineage(lineage)
            do {
                let graph = try await GetDatasetLineageHandler(dependencies).handle(lineage).graph
                #expect(expected != nil, "found a root the fold does not hold (seed \(seed), \(lineage))")
                #expect(graph.asOf == .position(position))
                #expect(graph.nodes == expected?.nodes, "nodes (seed \(seed), \(lineage))")
                #expect(graph.edges.map { [$0.parentID, $0.childID] } == expected?.edges, "edges (seed \(seed), \(lineage))")
                #expect(graph.truncated == expected?.truncated, "truncated (seed \(seed), \(lineage))")
            } catch DatasetError.notFound {
                #expect(expected == nil, "a root the fold holds was not found (seed \(seed), \(lineage))")
            }
            let impact = GetCalibrationImpact(revisionID: revisions.randomElement(using: &random)!, depth: Int.random(in: 0...3, using: &random),
                                              maxNodes: Int.random(in: 1...12, using: &random), asOf: .position(position))
            let answer = try await GetCalibrationImpactHandler(dependencies).handle(impact)
            let wanted = oracle.impact(impact)
            #expect(answer.graph.nodes == wanted.nodes, "impact nodes (seed \(seed), \(impact))")
            #expect(answer.graph.edges.map { [$0.parentID, $0.childID] } == wanted.edges, "impact edges (seed \(seed), \(impact))")
            #expect(answer.graph.truncated == wanted.truncated, "impact truncated (seed \(seed), \(impact))")
        }
    }

    @Test func asOfAnyPositionTheWalksEqualAFoldOfTheEventsUpToIt() async {
        await propertyCheck(count: 25, input: Gen.int(in: 1...1_000_000)) { seed in
            try await StoreKind.sqlite.withStore(clock: ManualClock()) { (store: any CoraStore) async throws in
                let ids = try await Self.history(ServiceDependencies(store: store, clock: ManualClock()), seed: UInt64(seed), size: 40)
                try await Self.check(store, ids: ids, seed: UInt64(seed), cases: 12)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func theSamePropertyOnEachStore(_ kind: StoreKind) async throws {
        try await kind.withStore(clock: ManualClock()) { (store: any CoraStore) async throws in
            let ids = try await Self.history(ServiceDependencies(store: store, clock: ManualClock()), seed: 42, size: 60)
            try await Self.check(store, ids: ids, seed: 42, cases: 40)
        }
    }

    /// A parent with many more children than `max_nodes` (the walk reads only the first of them) and
    /// children that have a second parent in the same layer: the answer is still the fold's.
    @Test(arguments: StoreKind.allCases)
    func aWideParentIsWalkedAsTheFoldWalksIt(_ kind: StoreKind) async throws {
        try await kind.withStore(clock: ManualClock()) { (store: any CoraStore) async throws in
            let dependencies = ServiceDependencies(store: store, clock: ManualClock())
            let hub = try await dependencies.register()
            let sibling = try await dependencies.register(["derived_from": [.string(hub.lowercased)]])
            var ids = [hub, sibling]
            for n in 0..<40 {
                let parents = n % 3 == 0 ? [hub, sibling] : [hub]
                ids.append(try await dependencies.register(["derived_from": .array(parents.map { .string($0.lowercased) })]))
            }
            for n in 0..<6 { ids.append(try await dependencies.register(["derived_from": [.string(ids[2 + n * 5].lowercased), .string(sibling.lowercased)]])) }
            let events = try await store.readStreams(ids.map { StreamID(.dataset, $0) }).values.flatMap { $0 }.sorted { $0.position < $1.position }
            let latest = try await store.readGraph { try await $0.latestPosition() }
            let oracle = try GraphOracle(events, upTo: latest)
            for maxNodes in [1, 2, 5, 10, 20, 41, 42, 43, 60] {
                for depth in 1...3 {
                    for root in [hub, sibling] {
                        let query = GetDatasetLineage(datasetID: root, direction: .both, depth: depth, maxNodes: maxNodes, asOf: .position(latest))
                        let graph = try await GetDatasetLineageHandler(dependencies).handle(query).graph
                        let expected = oracle.lineage(query)
                        #expect(graph.nodes == expected?.nodes, "nodes \(query)")
                        #expect(graph.edges.map { [$0.parentID, $0.childID] } == expected?.edges, "edges \(query)")
                        #expect(graph.truncated == expected?.truncated, "truncated \(query)")
                    }
                }
            }
        }
    }

    /// A walk costs one round trip for the latest position and one per layer, whatever the catalogue
    /// holds beside the nodes it returns.
    @Test(arguments: StoreKind.allCases)
    func aWalkIsOneRoundTripPerLayerWhateverTheCatalogueHolds(_ kind: StoreKind) async throws {
        try await kind.withStore { (store: any CoraStore) async throws in
            let counting = CountingStore(store)
            let dependencies = ServiceDependencies(store: counting)
            let revision = UUID()
            var chain = [try await dependencies.register()]
            for _ in 0..<2 { chain.append(try await dependencies.register(["derived_from": [.string(chain.last!.lowercased)]])) }
            let root = try await dependencies.register(["derived_from": [.string(chain.last!.lowercased)], "used_calibrations": [.string(revision.lowercased)]])
            var layer = [root]
            for _ in 0..<4 {
                var next: [UUID] = []
                for parent in layer.prefix(3) { for _ in 0..<3 { next.append(try await dependencies.register(["derived_from": [.string(parent.lowercased)]])) } }
                layer = next
            }
            func roundTrips(_ run: () async throws -> Void) async throws -> Int {
                counting.graphRoundTrips.withLock { $0 = 0 }
                try await run()
                return counting.graphRoundTrips.value
            }
            let lineage = { _ = try await GetDatasetLineageHandler(dependencies).handle(GetDatasetLineage(datasetID: root, direction: .both, depth: 3)) }
            let impact = { _ = try await GetCalibrationImpactHandler(dependencies).handle(GetCalibrationImpact(revisionID: revision, depth: 2)) }
            let (before, impactBefore) = (try await roundTrips(lineage), try await roundTrips(impact))
            #expect(before == 1 + 4, "the latest position, then layers 0 to 3")
            #expect(impactBefore == 1 + 1 + 3, "the latest position, the citing Datasets, then layers 0 to 2")
            for _ in 0..<150 { _ = try await dependencies.register(["used_calibrations": [.string(UUID().lowercased)]]) }
            #expect(try await roundTrips(lineage) == before)
            #expect(try await roundTrips(impact) == impactBefore)
        }
    }
}

@Suite("Upgrading a catalogue to the graph read models")
struct GraphMigrationTests {
    /// A database from before the graph read models gets them filled from its events, exactly as the
    /// projections would have written them.
    @Test(arguments: StoreKind.allCases)
    func theMigrationFillsTheGraphFromTheEventsAsTheProjectionsWould(_ kind: StoreKind) async throws {
        let (location, cleanup) = try await kind.freshLocation()
        defer { cleanup() }
        let first = try await StoreKind.reopen(location)
        let ids = try await GraphTests.history(ServiceDependencies(store: first.store), seed: 7, size: 40)
        try await first.close()
        // Back to the first schema: the graph tables gone, and (SQLite) the summary's old join table back.
        for table in ["proj_data_dataset_lineage", "proj_data_dataset_states", "proj_data_calibration_citations"] {
            try await first.execute("DROP TABLE \(table)")
        }
        if kind == .sqlite {
            try await first.execute("CREATE TABLE proj_data_dataset_used_calibrations (calibration_id TEXT NOT NULL, created_at INTEGER NOT NULL, dataset_id TEXT NOT NULL, PRIMARY KEY (calibration_id, created_at, dataset_id)) WITHOUT ROWID")
        }
        for table in ["catalog_secrets", "catalog_login_links"] { try await first.execute("DROP TABLE \(table)") }
        try await first.execute("DROP INDEX events_stream_type_position_idx")
        if kind == .postgres { try await first.execute("DROP FUNCTION cora_commit") }
        try await first.execute("DELETE FROM schema_migrations WHERE version >= 2")
        let reopened = try await StoreKind.reopen(location)
        let report = try await RebuildReadModels(store: reopened.store).run()
        #expect(report.datasetsChecked == ids.count && report.changed == 0, "\(report)")
        try await reopened.close()
    }
}
