import CoraData
import CoraKernel
import CoraTestSupport
import Foundation
import Testing

@Suite("Value objects at their boundaries (CONTRACT §4)")
struct ValueObjectTests {
    @Test func nameIsTrimmedAndCountedInScalarsAfterTrim() throws {
        #expect(try DatasetName("  \(String(repeating: "a", count: 200))\n ").value.count == 200)
        #expect(throws: DatasetError.self) { try DatasetName(String(repeating: "a", count: 201)) }
        // "é" as e + combining accent is one grapheme but two scalars: 100 of them are 200 scalars.
        #expect(try DatasetName(String(repeating: "e\u{301}", count: 100)).value.unicodeScalars.count == 200)
        #expect(throws: DatasetError.self) { try DatasetName(String(repeating: "e\u{301}", count: 100) + "x") }
        #expect(throws: DatasetError.self) { try DatasetName("   ") }
        #expect(throws: DatasetError.self) { try DatasetName("") }
    }

    @Test(arguments: ["a\u{0}b", "a\u{1}b", "a\u{7F}b", "a\nb", "a\rb", "a\u{85}b", "a\u{2028}b", "a\u{2029}b", "a\tb"])
    func nameRefusesControlsAndLineBreaks(_ raw: String) {
        #expect(throws: DatasetError.self) { try DatasetName(raw) }
    }

    @Test func nameErrorIsTheContractCode() {
        do {
            _ = try DatasetName(String(repeating: "n", count: 201))
            Issue.record("accepted 201 scalars")
        } catch {
            #expect(error.problem.code == "InvalidDatasetName")
            #expect(error.problem.status == 400)
        }
    }

    @Test(arguments: ["s3://bucket/key", "https://x.org/a?b=c", "file:///data/x.h5", "globus://ep/path", "C:x", "ipfs:Qm", "a+b-c.d:x"])
    func uriAcceptsAnyRealScheme(_ raw: String) throws {
        #expect(try DatasetURI(raw).value == raw)
    }

    @Test(arguments: ["JavaScript:alert(1)", "javascript:x", "VBScript:x", "data:text/html,x", "about:blank", "view-source:x",
                      "java\tscript:alert(1)", "java\nscript:x", " java script:x", "s3://a b", "no-scheme", ":x", "1abc:x", "a_b:x",
                      "s3://a\u{0}b", "s3://x\u{7F}"])
    func uriRefusesBlockedOrMalformed(_ raw: String) {
        #expect(throws: DatasetError.self) { try DatasetURI(raw) }
    }

    @Test func uriLengthBoundary() throws {
        let prefix = "s3://"
        #expect(try DatasetURI(prefix + String(repeating: "a", count: 2048 - prefix.count)).value.count == 2048)
        #expect(throws: DatasetError.self) { try DatasetURI(prefix + String(repeating: "a", count: 2049 - prefix.count)) }
        #expect(try DatasetURI("  s3://x  ").value == "s3://x")
    }

    @Test func checksumBoundaries() throws {
        let hex64 = String(repeating: "ab", count: 32)
        #expect(try DatasetChecksum(algorithm: " sha256 ", value: " \(hex64) ").value == hex64)
        #expect(throws: DatasetError.self) { try DatasetChecksum(algorithm: "sha256", value: hex64 + "a") }
        #expect(throws: DatasetError.self) { try DatasetChecksum(algorithm: "sha256", value: String(hex64.dropLast())) }
        #expect(throws: DatasetError.self) { try DatasetChecksum(algorithm: "sha256", value: hex64.uppercased()) }
        #expect(throws: DatasetError.self) { try DatasetChecksum(algorithm: "SHA256", value: hex64) }
        #expect(throws: DatasetError.self) { try DatasetChecksum(algorithm: "md5", value: hex64) }
        #expect(throws: DatasetError.self) { try DatasetChecksum(algorithm: "sha256", value: String(repeating: "g", count: 64)) }
    }

    @Test(arguments: [("1024", 1024), ("1024.0", 1024), ("1e3", 1000), ("1E+3", 1000), ("0", 0), ("-0", 0), ("0.0e5", 0),
                      ("9223372036854775807", Int64.max), ("9.223372036854775807e18", Int64.max), ("12.5e1", 125), ("1000e-3", 1)] as [(String, Int64)])
    func byteSizeAcceptsWholeNumbersInAnyNotation(_ literal: String, _ expected: Int64) throws {
        #expect(try DatasetByteSize(literal: literal).value == expected)
    }

    @Test(arguments: ["9223372036854775808", "1.5", "-1", "1e19", "1e999999999999999", "0.1", "1e-1", "1500e-3", "-1e3", "10000000000000000000000"])
    func byteSizeRefusesFractionsAndOutOfRange(_ literal: String) {
        #expect(throws: DatasetError.self) { try DatasetByteSize(literal: literal) }
    }

    @Test func encodingBoundaries() throws {
        let sixteen = (1...16).map { "https://profile/\($0)" }
        #expect(try DatasetEncoding(mediaType: "application/x-hdf5", conformsTo: sixteen).conformsTo.count == 16)
        #expect(throws: DatasetError.self) { try DatasetEncoding(mediaType: "application/x-hdf5", conformsTo: sixteen + ["https://profile/17"]) }
        // Duplicates collapse (after trim) before counting.
        #expect(try DatasetEncoding(mediaType: "application/x-hdf5", conformsTo: sixteen + [" https://profile/1 "]).conformsTo.count == 16)
        #expect(try DatasetEncoding(mediaType: "text/csv; charset=utf-8", conformsTo: []).mediaType == "text/csv; charset=utf-8")
        for bad in ["", "hdf5", "application/", "/x", "a/b/c", "app lication/x", String(repeating: "a", count: 198) + "/bb"] {
            #expect(throws: DatasetError.self, "\(bad)") { try DatasetEncoding(mediaType: bad, conformsTo: []) }
        }
        #expect(throws: DatasetError.self) { try DatasetEncoding(mediaType: "a/b", conformsTo: [String(repeating: "p", count: 2049)]) }
        #expect(try DatasetEncoding(mediaType: "a/b", conformsTo: [String(repeating: "p", count: 2048)]).conformsTo.count == 1)
        #expect(throws: DatasetError.self) { try DatasetEncoding(mediaType: "a/b", conformsTo: ["  "]) }
    }

    @Test func idSetsCountDistinctValues() throws {
        let ids = (1...64).map { SequentialIDs.id(UInt64($0)) }
        let register = { (derived: [UUID], used: [UUID]) throws in
            try Fixtures.registerCommand([
                "derived_from": .array(derived.map { .string($0.lowercased) }),
                "used_calibrations": .array(used.map { .string($0.uuidString) }),
            ])
        }
        #expect(try register(ids, ids).derivedFrom.count == 64)
        #expect(try register(ids + [ids[0]], ids + [ids[1]]).usedCalibrations.count == 64)
        #expect(throws: DatasetError.invalidDerivedFrom("at most 64 distinct ids are allowed; got 65")) {
            try register(ids + [SequentialIDs.id(65)], [])
        }
        #expect(throws: DatasetError.invalidUsedCalibrations("at most 64 distinct ids are allowed; got 65")) {
            try register([], ids + [SequentialIDs.id(65)])
        }
    }

    @Test func reasonsAllowTabsAndLineBreaksButNotOtherControls() throws {
        #expect(try Reason("line one\nline two\ttabbed\u{2028}", orThrow: DatasetError.invalidPromotionReason).value == "line one\nline two\ttabbed")
        #expect(try Reason(String(repeating: "r", count: 500), orThrow: DatasetError.invalidPromotionReason).value.count == 500)
        #expect(throws: DatasetError.invalidDemotionReason("reason must be at most 500 characters after trimming; got 501")) {
            try Reason(String(repeating: "r", count: 501), orThrow: DatasetError.invalidDemotionReason)
        }
        #expect(throws: DatasetError.self) { try Reason("a\u{0}b", orThrow: DatasetError.invalidDiscardReason) }
        #expect(throws: DatasetError.self) { try Reason(" \n ", orThrow: DatasetError.invalidDiscardReason) }
    }
}
