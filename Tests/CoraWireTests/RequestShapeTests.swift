import CoraData
import CoraKernel
import CoraTestSupport
import CoraWire
import Foundation
import Testing

@Suite("Request shape (422) before values (400)")
struct RequestShapeTests {
    func code(_ body: JSONValue) -> String? {
        do {
            _ = try Slices.registerDataset.command(from: WireRequest(body: .json(body)))
            return nil
        } catch let error as any ProblemReportable {
            return error.problem.code
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func shapeErrors() {
        #expect(code(Fixtures.registerBody()) == nil)
        #expect(code(Fixtures.registerBody(["extra": 1])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["checksum": ["algorithm": "sha256", "value": .string(Fixtures.checksum), "x": 1]])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["encoding": ["media_type": "a/b", "profile": "x"]])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["name": .null])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["name": 5])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["byte_size": "5"])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["byte_size": true])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["byte_size": .number("1.5")])) == "InvalidDatasetByteSize")
        #expect(code(Fixtures.registerBody(["derived_from": ["not-a-uuid"]])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["used_calibrations": [1]])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["producing_run_id": "123"])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["producing_run_id": .null, "subject_id": .null, "derived_from": .null])) == nil)
        #expect(code(.array([])) == "InvalidRequest")
        // Shape is checked for the whole body before any value: a bad name and an unknown member → 422.
        #expect(code(Fixtures.registerBody(["name": "", "extra": 1])) == "InvalidRequest")
        #expect(code(Fixtures.registerBody(["name": ""])) == "InvalidDatasetName")
    }
}
