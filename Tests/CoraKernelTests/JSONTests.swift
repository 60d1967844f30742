import CoraKernel
import Foundation
import Testing

@Suite("Strict JSON and its canonical form")
struct JSONTests {
    @Test func parsesAndKeepsNumberLiterals() throws {
        let value = try JSONParser.parse(#" {"a": [1, -0.5e+3, true, null], "b": "x\u00e9\ud83d\ude00"} "#)
        #expect(value == ["a": [.number("1"), .number("-0.5e+3"), true, .null], "b": "xé😀"])
    }

    @Test(arguments: [
        #"{"a":1,"a":2}"#, #"{"a":1"#, "[1,]", "01", "1.", ".5", "-", "+1", "1e", #""\x""#, #""\ud800""#, #""\udc00x""#,
        "\"\u{1}\"", "nul", "[1] x", "", " ", "{\"a\" 1}", #"{1:2}"#, "NaN", "Infinity",
    ])
    func refusesMalformedDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
        }
    }

    @Test func refusesNestingPastTheLimit() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        let allowed = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        _ = try JSONParser.parse(allowed)
    }

    @Test func canonicalFormSortsKeysByCodePointAndEscapesMinimally() throws {
        let value: JSONValue = ["b": 1, "a": ["z": true, "é": "x", "Z": .null], "c": "q\"\\\n\u{1}\u{7F}é"]
        #expect(CanonicalJSON.string(value) == #"{"a":{"Z":null,"z":true,"é":"x"},"b":1,"c":"q\"\\\n\u0001\u007fé"}"#)
        // Round trip: parsing canonical bytes and writing them again changes nothing.
        #expect(CanonicalJSON.bytes(try JSONParser.parse(CanonicalJSON.bytes(value))) == CanonicalJSON.bytes(value))
    }
}

@Suite("Timestamps and ids")
struct TimestampTests {
    @Test func rfc3339RoundTripsWithMicroseconds() throws {
        for text in ["2026-05-19T14:03:07.123456Z", "1970-01-01T00:00:00.000000Z", "2000-02-29T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"] {
            let stamp = try #require(Timestamp(rfc3339: text))
            #expect(stamp.rfc3339 == text)
        }
        #expect(Timestamp(rfc3339: "2026-05-19T14:03:07Z")?.rfc3339 == "2026-05-19T14:03:07.000000Z")
        #expect(Timestamp(rfc3339: "2026-05-19T14:03:07.1Z")?.rfc3339 == "2026-05-19T14:03:07.100000Z")
        #expect(Timestamp(rfc3339: "2026-13-19T14:03:07Z") == nil)
        #expect(Timestamp(microsecondsSinceEpoch: 1_779_199_387_123_456).rfc3339 == "2026-05-19T14:03:07.123456Z")
    }

    @Test func uuidV7CarriesVersionVariantAndTime() throws {
        let generator = UUIDv7Generator()
        let id = generator.next()
        let text = id.lowercased
        #expect(text[text.index(text.startIndex, offsetBy: 14)] == "7")
        #expect("89ab".contains(text[text.index(text.startIndex, offsetBy: 19)]))
        let millis = Int64(text.prefix(8) + text.dropFirst(9).prefix(4), radix: 16)!
        #expect(abs(millis - SystemClock().now().microsecondsSinceEpoch / 1000) < 5_000)
        #expect(Set((0..<1000).map { _ in generator.next() }).count == 1000)
    }

    @Test func strictUUIDParsing() {
        #expect(UUID(strict: "0193A000-0000-7000-8000-00000000000A")?.lowercased == "0193a000-0000-7000-8000-00000000000a")
        for bad in ["0193a000000070008000000000000001", "{0193a000-0000-7000-8000-000000000001}", "0193a000-0000-7000-8000-00000000000g", " 0193a000-0000-7000-8000-000000000001", ""] {
            #expect(UUID(strict: bad) == nil, "\(bad)")
        }
        // The hand-written parser and formatter agree with Foundation's on every byte value.
        for _ in 0..<1000 {
            let id = UUID()
            #expect(UUID(strict: id.uuidString) == id)
            #expect(UUID(strict: id.uuidString.lowercased()) == id)
            #expect(id.lowercased == id.uuidString.lowercased())
        }
    }

    @Test func stringsWithAndWithoutEscapesParseAlike() throws {
        #expect(try JSONParser.parse(#"["plain ascii", "", "tab\tand \"quote\"", "caf\u00e9", "café ✓", "ascii then é"]"#)
            == .array(["plain ascii", "", "tab\tand \"quote\"", "café", "café ✓", "ascii then é"]))
        #expect(throws: JSONParseError.self) { try JSONParser.parse("[\"unterminated]") }
        #expect(throws: JSONParseError.self) { try JSONParser.parse("[\"bare \u{01} control\"]") }
    }
}
