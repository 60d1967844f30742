import CoraData
import CoraHTTP
import CoraMCP
import CoraStorePostgres
import CoraWire
import Foundation
import Testing

/// The shape the code promises its readers, checked: each layer imports only what it may, every slice
/// has its piece in every layer, and prepared SQL is what its builder writes.
@Suite("Architecture")
struct ArchitectureTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func swiftFiles(_ relative: String) throws -> [URL] {
        let directory = root.appendingPathComponent(relative)
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
    }

    static func imports(_ relative: String) throws -> Set<String> {
        var modules = Set<String>()
        for file in try swiftFiles(relative) {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n") where line.hasPrefix("import ") {
                modules.insert(String(line.dropFirst("import ".count)).trimmingCharacters(in: .whitespaces))
            }
        }
        return modules
    }

    @Test func eachLayerImportsOnlyWhatItMay() throws {
        #expect(try Self.imports("Sources/CoraKernel").isSubset(of: ["Foundation", "Crypto"]))
        // The standard library's Synchronization (a mutex) is no I/O.
        #expect(try Self.imports("Sources/CoraData") == ["CoraKernel", "Foundation", "Synchronization"])
        #expect(try Self.imports("Sources/CoraWire").isSubset(of: ["CoraKernel", "CoraData", "Foundation", "Synchronization"]))
        for store in ["Sources/CoraStoreSQLite", "Sources/CoraStorePostgres"] {
            #expect(try Self.imports(store).isDisjoint(with: ["CoraWire", "CoraHTTP", "CoraMCP", "Hummingbird", "MCP"]), "\(store)")
        }
        // Identity knows tokens and the kernel's caller, nothing of the domain, the wire format or the stores.
        #expect(try Self.imports("Sources/CoraIdentity").isSubset(of: ["CoraKernel", "Foundation", "JWTKit", "AsyncHTTPClient", "NIOCore", "NIOSSL", "Logging"]))
        #expect(try Self.imports("Sources/CoraMCP").isDisjoint(with: ["Hummingbird", "PostgresNIO", "SQLiteNIO", "CoraStoreSQLite", "CoraStorePostgres"]))
        #expect(try Self.imports("Sources/CoraHTTP").isDisjoint(with: ["PostgresNIO", "SQLiteNIO", "CoraStoreSQLite", "CoraStorePostgres"]))
    }

    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase, !result.isEmpty { result.append("_") }
            result.append(character.lowercased())
        }
        return result
    }

    /// Every operation: a folder in the domain with its handler, a route, an MCP tool, and (for a
    /// command) a decider with its given/when/then suite.
    @Test(arguments: OperationName.allCases)
    func everySliceHasItsPieceInEveryLayer(_ operation: OperationName) throws {
        let name = operation.rawValue
        let domain = try Self.swiftFiles("Sources/CoraData/\(name)").map { try String(contentsOf: $0, encoding: .utf8) }.joined()
        #expect(domain.contains("public struct \(name): Sendable"), "the command or query type \(name)")
        #expect(domain.contains("public struct \(name)Handler"), "the handler of \(name)")
        #expect(Endpoints.all.contains { $0.openAPI.operations.contains(operation) }, "a route for \(name)")
        #expect(CoraMCPServer.toolNames.contains(Self.snakeCase(name)), "a tool for \(name)")
        if operation.isCommand {
            #expect(domain.contains("public enum \(name)Decider"), "the decider of \(name)")
            #expect(domain.contains("public struct \(name)Context"), "the decider's context of \(name)")
            let tests = try Self.swiftFiles("Tests/CoraDataTests/Deciders").map { try String(contentsOf: $0, encoding: .utf8) }.joined()
            #expect(tests.contains("@Suite(\"\(name) decider\")"), "given/when/then tests of \(name)")
        }
    }

    @Test func everyRouteAndToolBelongsToAnOperationOrTheOperationsOfTheService() {
        let service: Set = ["McpPost", "McpGet", "McpDelete", "Healthz", "Readyz", "Metrics", "OpenAPI", "ProtectedResourceMetadata"]
        for endpoint in Endpoints.all {
            #expect(endpoint.openAPI.operations.isEmpty == service.contains(endpoint.openAPI.operationID), "\(endpoint.openAPI.operationID)")
        }
        #expect(Set(Endpoints.all.map(\.openAPI.operationID)).count == Endpoints.all.count, "operation ids are distinct")
        #expect(Set(CoraMCPServer.toolNames) == Set(OperationName.allCases.map { Self.snakeCase($0.rawValue) }))
    }

    @Test func everyFixedShapeStatementIsTheTextItsBuilderWrites() {
        let statements = PostgresStore.fixedShapeStatements
        #expect(statements.count >= 7)
        #expect(Set(statements.map(\.name)).count == statements.count, "statement names are distinct")
        for statement in statements {
            #expect(statement.sql == statement.otherValues, "\(statement.name)")
            #expect(statement.name.utf8.count <= 63, "PostgreSQL truncates names past 63 bytes: \(statement.name)")
        }
    }
}
