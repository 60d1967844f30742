/// The string rules of CONTRACT §4 shared by every value object: trim Unicode white space, count
/// Unicode scalars, refuse C0 controls and DEL, and refuse line breaks except in free-text reasons.
enum TextViolation: Error, Equatable, Sendable {
    case empty
    case tooLong(count: Int, maximum: Int)
    case forbiddenCharacter(Unicode.Scalar)

    func sentence(_ what: String, maximum: Int) -> String {
        switch self {
        case .empty: "\(what) must not be empty or only white space"
        case .tooLong(let count, _): "\(what) must be at most \(maximum) characters after trimming; got \(count)"
        case .forbiddenCharacter(let scalar): "\(what) must not contain the control character U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4))"
        }
    }
}

struct TextRule: Sendable {
    let maximumLength: Int
    let allowsLineBreaks: Bool

    static let lineBreaks: Set<Unicode.Scalar> = ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"]

    static func trimmed(_ raw: String) -> String {
        let scalars = raw.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F
    }

    func check(_ raw: String) -> Result<String, TextViolation> {
        let value = Self.trimmed(raw)
        var count = 0
        for scalar in value.unicodeScalars {
            count += 1
            let permitted = allowsLineBreaks && (scalar == "\t" || Self.lineBreaks.contains(scalar))
            if permitted { continue }
            if Self.isControl(scalar) || Self.lineBreaks.contains(scalar) { return .failure(.forbiddenCharacter(scalar)) }
        }
        if count == 0 { return .failure(.empty) }
        if count > maximumLength { return .failure(.tooLong(count: count, maximum: maximumLength)) }
        return .success(value)
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Free-text reasons (promotion, demotion, discard, run end): 1–500 scalars, tab and line breaks allowed.
struct ReasonText {
    static let rule = TextRule(maximumLength: 500, allowsLineBreaks: true)
}
