import CoraData
import CoraHTTP
import CoraKernel
import CoraTestSupport
import CoraWire
import Foundation
import Testing

/// The exports (§12): a fixed scenario (fixed clock and ids) rendered in every format, compared with
/// the golden files beside this test, and read by the consumers' own libraries.
@Suite("Exports: PROV, RO-Crate, schema.org")
struct ExportTests {
    static let base = "https://catalogue.example.org"
    static let exports = ExportSettings(publicBaseURL: base, license: "https://creativecommons.org/licenses/by/4.0/", publisher: "Beamline 35-BM")
    static let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/exports_check.py").path

    struct Scenario {
        let ids: [String: String]
        var segmentation: String { ids["segmentation"]! }
    }

    /// A Run that completed; raw data from it; a reconstruction from the raw data through the Run, citing
    /// a revision, promoted, then retracted; a segmentation of the reconstruction without a Run, citing
    /// another revision, then discarded.
    static func scenario(_ app: Harness) async throws -> Scenario {
        let revision = "0193a000-0000-7000-8000-0000000000aa", other = "0193a000-0000-7000-8000-0000000000bb"
        let run = try #require(try await app.send(.post, "/runs", json: ["name": "run 2026-05-19-007"]).string("run_id"))
        #expect(try await app.endRun(run, "Completed").status == 204)
        let raw = try await app.registered(["name": "Pellet B-12 raw projections", "producing_run_id": .string(run)])
        let reconstruction = try await app.registered(["name": "Pellet B-12 reconstruction", "producing_run_id": .string(run),
                                                       "derived_from": [.string(raw)], "used_calibrations": [.string(revision)]])
        let segmentation = try await app.registered(["name": "Pellet B-12 segmentation", "derived_from": [.string(reconstruction)],
                                                     "used_calibrations": [.string(other)], "uri": "s3://aps-35bm/2026-05-19/segmentation.h5"])
        #expect(try await app.command(raw, "promote", reason: "QA passed").status == 204)
        #expect(try await app.command(reconstruction, "promote", reason: "Reviewed by the beamline lead").status == 204)
        #expect(try await app.command(reconstruction, "demote", reason: "Rotation-centre revision found to drift").status == 204)
        #expect(try await app.command(segmentation, "discard", reason: "Bytes deleted with the reconstruction").status == 204)
        return Scenario(ids: ["run": run, "raw": raw, "reconstruction": reconstruction, "segmentation": segmentation, "revision": revision,
                              "other_revision": other, "principal": Harness.principal])
    }

    static let paths: [(file: String, query: String)] = [
        ("prov-json.json", "/prov"), ("prov-jsonld.json", "/prov?format=prov-jsonld"), ("prov-o.json", "/prov?format=prov-o"),
        ("ro-crate.json", "/ro-crate"),
    ]

    @Test func everyFormatMatchesItsGoldenFileAndReadsInItsConsumersLibraries() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cora-exports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("crate"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let update = ProcessInfo.processInfo.environment["CORA_UPDATE_GOLDEN"] == "1"
        try await Harness.run(.sqlite, clock: ManualClock(), ids: SequentialIDs(), exports: Self.exports, eventIDs: SequentialIDs(prefix: 0x0E00_0000)) { (app: Harness) async throws in
            let scenario = try await Self.scenario(app)
            var documents = [(String, [UInt8])]()
            for (file, query) in Self.paths {
                let reply = try await app.send(.get, "/datasets/\(scenario.segmentation)\(query)")
                #expect(reply.status == 200, "\(query): \(String(decoding: reply.bytes, as: UTF8.self))")
                #expect(reply.headers[.contentType] == (file == "prov-json.json" ? "application/json" : "application/ld+json"))
                documents.append((file, reply.bytes))
            }
            let schema = try await app.send(.get, "/datasets/\(scenario.segmentation)", headers: ["Accept": "application/ld+json"])
            #expect(schema.status == 200 && schema.headers[.contentType] == "application/ld+json")
            documents.append(("schema-org.json", schema.bytes))
            for (file, bytes) in documents {
                let path = Self.golden.appendingPathComponent(file)
                if update { try Data(bytes).write(to: path) }
                let expected = try Data(contentsOf: path)
                #expect(Data(bytes) == expected, "\(file) differs from its golden file (CORA_UPDATE_GOLDEN=1 rewrites them)")
                try Data(bytes).write(to: directory.appendingPathComponent(file == "ro-crate.json" ? "crate/ro-crate-metadata.json" : file))
            }
            try Data(CanonicalJSON.bytes(.object(scenario.ids.mapValues(JSONValue.string)))).write(to: directory.appendingPathComponent("ids.json"))
        }
        let python = try PythonEnvironment.python("exports", packages: ["prov==3.2.3", "rdflib==7.6.0", "roc-validator==0.13.0", "rocrate==0.16.0"],
                                                  probe: "import prov, rdflib, rocrate_validator, rocrate")
        let output = try runTool(python, [Self.script, directory.path, directory.appendingPathComponent("ids.json").path])
        let seen = try #require(try JSONParser.parse(String(output.split(separator: "\n").last ?? "")) as JSONValue?)
        #expect(seen["prov_json_round_trip"] == true, "PROV-JSON round-trips through the prov package unchanged")
        #expect(seen["prov_jsonld_equals_prov_json"] == true, "PROV-JSONLD holds the same statements as PROV-JSON")
        for group in ["prov_checks", "prov_o_checks", "schema_checks"] {
            guard case .object(let checks)? = seen[group] else { Issue.record("no \(group): \(output)"); continue }
            for (check, passed) in checks { #expect(passed == true, "\(group): \(check)") }
        }
        #expect(seen["run_times"] == [["endTime", "startTime"]] && seen["run_end_state"] == ["Completed"])
        #expect(seen["activity_types"] == ["https://catalogue.example.org/ns#Discard", "https://catalogue.example.org/ns#Promotion",
                                           "https://catalogue.example.org/ns#Promotion", "https://catalogue.example.org/ns#Retraction",
                                           "https://catalogue.example.org/ns#Run"])
        #expect(seen["reasons"] == ["Bytes deleted with the reconstruction", "QA passed", "Reviewed by the beamline lead", "Rotation-centre revision found to drift"])
        #expect(seen["generation_times"] == ["None"] || seen["generation_times"] == .array([]) || !(CanonicalJSON.string(seen["generation_times"] ?? .null).contains("20")),
                "registration time is never a generation's time")
        #expect(seen["ro_crate_passed"] == true, "roc-validator, RO-Crate 1.2 at REQUIRED: \(CanonicalJSON.string(seen["ro_crate_issues"] ?? .null))")
    }

    @Test(arguments: StoreKind.allCases)
    func etagsFollowTheDatasetAndThePlainAnswerIsUnchanged(_ kind: StoreKind) async throws {
        try await Harness.run(kind) { (app: Harness) async throws in
            let id = try await app.registered()
            let plain = try await app.send(.get, "/datasets/\(id)")
            for accept in ["application/json", "*/*", "application/*", "application/json, application/ld+json;q=0.5", "text/html, application/json;q=0.1"] {
                let same = try await app.send(.get, "/datasets/\(id)", headers: ["Accept": accept])
                #expect(same.bytes == plain.bytes && same.headers[.eTag] == "\"1\"", "\(accept)")
            }
            for accept in ["application/ld+json", "application/ld+json, application/json;q=0.9"] {
                #expect(try await app.send(.get, "/datasets/\(id)", headers: ["Accept": accept]).headers[.contentType] == "application/ld+json", "\(accept)")
            }
            for accept in ["text/html", "application/xml", "application/json;q=0, application/ld+json;q=0"] {
                let refused = try await app.send(.get, "/datasets/\(id)", headers: ["Accept": accept])
                #expect(refused.status == 406 && refused.code == "NotAcceptable", "\(accept)")
            }
            let before = try await app.send(.get, "/datasets/\(id)/prov")
            #expect(try await app.send(.get, "/datasets/\(id)/prov").headers[.eTag] == before.headers[.eTag])
            #expect(try await app.command(id, "promote").status == 204)
            let after = try await app.send(.get, "/datasets/\(id)/prov")
            #expect(after.headers[.eTag] != nil && after.headers[.eTag] != before.headers[.eTag])
            for path in ["/ro-crate", "/prov?format=prov-o"] {
                #expect(try await app.send(.get, "/datasets/\(id)\(path)").headers[.eTag] != nil, "\(path)")
            }
            // Refusals, with the contract's codes.
            #expect(try await app.send(.get, "/datasets/\(id)/prov?format=ro-crate").code == "InvalidRequest")
            #expect(try await app.send(.get, "/datasets/\(id)/prov?depth=11").code == "InvalidRequest")
            #expect(try await app.send(.get, "/datasets/\(id)/ro-crate?depth=1").code == "InvalidRequest")
            #expect(try await app.send(.get, "/datasets/\(UUID().lowercased)/prov").code == "DatasetNotFound")
            #expect(try await app.send(.get, "/datasets/\(id)", principal: nil, headers: ["Accept": "application/ld+json"]).code == "Unauthenticated")
        }
    }

    /// As of a position, the export shows the Dataset as it was: before the promotion, no Promotion.
    @Test func anExportAsOfAPositionShowsThePast() async throws {
        try await Harness.run(.sqlite) { (app: Harness) async throws in
            let id = try await app.registered()
            guard case .array(let events)? = try await app.send(.get, "/datasets/\(id)/history").json?["events"],
                  case .number(let position)? = events.first?["position"] else { Issue.record("no position"); return }
            #expect(try await app.command(id, "promote").status == 204)
            let then = String(decoding: try await app.send(.get, "/datasets/\(id)/prov?format=prov-o&as_of_position=\(position)").bytes, as: UTF8.self)
            let now = String(decoding: try await app.send(.get, "/datasets/\(id)/prov?format=prov-o").bytes, as: UTF8.self)
            #expect(!then.contains("Promotion") && now.contains("Promotion"))
            #expect(then.contains("\"cora:intent\":\"Trial\"") && now.contains("\"cora:intent\":\"Production\""))
        }
    }

    /// `depth` bounds the ancestors described: 0 is the Dataset alone, each step one more generation; a
    /// parent beyond the bound is still named (typed only) so the derivation has both ends.
    @Test func depthBoundsTheAncestors() async throws {
        try await Harness.run(.sqlite, clock: ManualClock(), ids: SequentialIDs(), exports: Self.exports) { (app: Harness) async throws in
            let scenario = try await Self.scenario(app)
            func datasets(_ depth: Int?) async throws -> Set<String> {
                let query = depth.map { "?depth=\($0)" } ?? ""
                guard case .object(let entities)? = try await app.send(.get, "/datasets/\(scenario.segmentation)/prov\(query)").json?["entity"] else { return [] }
                return Set(entities.filter { $0.value["prov:label"] != nil }.keys)
            }
            let ids = scenario.ids.mapValues { "uuid:" + $0 }
            #expect(try await datasets(0) == [ids["segmentation"]!])
            #expect(try await datasets(1) == [ids["segmentation"]!, ids["reconstruction"]!])
            #expect(try await datasets(2) == [ids["segmentation"]!, ids["reconstruction"]!, ids["raw"]!])
            #expect(try await datasets(nil) == datasets(2))
        }
    }

    /// MCP export_dataset answers the same documents as REST.
    @Test func theMCPToolAnswersTheSameDocuments() async throws {
        try await Harness.run(.sqlite, clock: ManualClock(), ids: SequentialIDs(), exports: Self.exports) { (app: Harness) async throws in
            let scenario = try await Self.scenario(app)
            let mcp = try await MCPSession.open(app)
            for (format, path, accept) in [("prov-json", "/prov", nil), ("prov-jsonld", "/prov?format=prov-jsonld", nil), ("prov-o", "/prov?format=prov-o", nil),
                                           ("ro-crate", "/ro-crate", nil), ("schema-org", "", "application/ld+json")] as [(String, String, String?)] {
                let rest = try await app.send(.get, "/datasets/\(scenario.segmentation)\(path)", headers: accept.map { ["Accept": $0] } ?? [:])
                let tool = try await mcp.call("export_dataset", ["dataset_id": .string(scenario.segmentation), "format": .string(format)])
                #expect(!tool.isError && tool.structured == rest.json, "\(format)")
            }
            #expect(try await mcp.call("export_dataset", ["dataset_id": .string(scenario.segmentation)]).code == "InvalidRequest")
            #expect(try await mcp.call("export_dataset", ["dataset_id": .string(scenario.segmentation), "format": "ro-crate", "depth": 2]).code == "InvalidRequest")
        }
    }
}
