/// One path component's glob, as Hadoop's `GlobPattern`: `*`, `?`, `[abc]`, `[a-z]`, `[^a]`
/// (or `[!a]`), `{a,b}` alternatives (nested), and `\` escaping the next character.
public struct GlobPattern: Sendable {
    let alternatives: [[Character]]

    /// Whether `text` has a glob character, i.e. needs a listing to expand.
    public static func hasGlob(_ text: some StringProtocol) -> Bool {
        text.contains { "*?[{\\".contains($0) }
    }

    public init(_ pattern: some StringProtocol) {
        alternatives = Self.expandBraces(Array(pattern))
    }

    public func matches(_ name: String) -> Bool {
        let characters = Array(name)
        return alternatives.contains { Self.match($0[...], characters[...]) }
    }

    /// `a{b,c{d,e}}f` → `abf`, `acdf`, `acef`; escapes are kept for the matcher.
    static func expandBraces(_ pattern: [Character]) -> [[Character]] {
        var index = 0
        var depth = 0
        var open: Int?
        var commas: [Int] = []
        while index < pattern.count {
            switch pattern[index] {
            case "\\": index += 1
            case "{":
                if depth == 0 { open = index }
                depth += 1
            case "," where depth == 1: commas.append(index)
            case "}" where depth > 0:
                depth -= 1
                if depth == 0, let start = open {
                    let prefix = Array(pattern[..<start]), suffix = Array(pattern[(index + 1)...])
                    let bounds = [start] + commas + [index]
                    var results: [[Character]] = []
                    for i in 0..<(bounds.count - 1) {
                        let choice = Array(pattern[(bounds[i] + 1)..<bounds[i + 1]])
                        results += expandBraces(prefix + choice + suffix)
                    }
                    return results
                }
            default: break
            }
            index += 1
        }
        return [pattern]
    }

    static func match(_ pattern: ArraySlice<Character>, _ text: ArraySlice<Character>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        switch first {
        case "*":
            let rest = pattern.dropFirst()
            var tail = text
            while true {
                if match(rest, tail) { return true }
                guard !tail.isEmpty else { return false }
                tail = tail.dropFirst()
            }
        case "?":
            return !text.isEmpty && match(pattern.dropFirst(), text.dropFirst())
        case "[":
            guard let c = text.first, let (matched, after) = matchClass(pattern.dropFirst(), c) else {
                return false
            }
            return matched && match(after, text.dropFirst())
        case "\\" where pattern.count > 1:
            let literal = pattern[pattern.index(after: pattern.startIndex)]
            return text.first == literal && match(pattern.dropFirst(2), text.dropFirst())
        default:
            return text.first == first && match(pattern.dropFirst(), text.dropFirst())
        }
    }

    /// `[...]` after its `[`: whether `c` is in it, and the pattern after the `]`; nil when unclosed.
    static func matchClass(_ body: ArraySlice<Character>, _ c: Character) -> (Bool, ArraySlice<Character>)? {
        var rest = body
        var negate = false
        if let first = rest.first, first == "^" || first == "!" {
            negate = true
            rest = rest.dropFirst()
        }
        var found = false
        var firstItem = true
        while let item = rest.first {
            if item == "]", !firstItem { return (found != negate, rest.dropFirst()) }
            firstItem = false
            rest = rest.dropFirst()
            var low = item
            if low == "\\", let escaped = rest.first {
                low = escaped
                rest = rest.dropFirst()
            }
            if rest.first == "-", rest.count > 1, rest[rest.index(after: rest.startIndex)] != "]" {
                let high = rest[rest.index(after: rest.startIndex)]
                rest = rest.dropFirst(2)
                if low <= c && c <= high { found = true }
            } else if low == c {
                found = true
            }
        }
        return nil
    }
}
