import RFSClient

/// A `-chmod` mode, parsed as Hadoop's `ChmodParser`: octal (`644`, `1777`: a leading 0 or 1
/// sets or clears the sticky bit, three digits leave it) or symbolic clauses
/// (`u+x,go-w`, `a=r`, `+t`): who `[ugoa]*` (none means all, with no umask), op `[+-=]`,
/// perms `[rwxXt]+`. A later clause for the same class replaces an earlier one, as in Hadoop.
public struct ModeChange: Sendable, Equatable {
    struct Segment: Sendable, Equatable {
        var op: Character = "+"
        var bits: UInt16 = 0
    }

    var user = Segment()
    var group = Segment()
    var others = Segment()
    var sticky = Segment()

    public init(parsing text: String) throws(UsageError) {
        if Self.parseOctal(text, into: &self) { return }
        guard Self.parseSymbolic(text, into: &self) else {
            throw UsageError("chmod : mode '\(text)' does not match the expected pattern.")
        }
    }

    /// The new mode for an inode with `existing` mode; `isDirectory` lets `X` add execute.
    public func apply(to existing: UInt16, isDirectory: Bool) -> UInt16 {
        let executeOK = isDirectory || existing & 0o111 != 0
        let stickyBits = Self.combine(sticky, existing: existing >> 9, executeOK: false)
        let userBits = Self.combine(user, existing: (existing >> 6) & 7, executeOK: executeOK)
        let groupBits = Self.combine(group, existing: (existing >> 3) & 7, executeOK: executeOK)
        let otherBits = Self.combine(others, existing: existing & 7, executeOK: executeOK)
        return (stickyBits << 9 | userBits << 6 | groupBits << 3 | otherBits) & 0o1777
    }

    /// Hadoop's `combineModeSegments`; bit 8 is `X`.
    static func combine(_ segment: Segment, existing: UInt16, executeOK: Bool) -> UInt16 {
        var mode = segment.bits
        var capitalX = false
        if mode & 8 != 0 {
            capitalX = true
            mode = (mode & ~8) | 1
        }
        switch segment.op {
        case "+": mode |= existing
        case "-": mode = ~mode & existing
        default: break
        }
        if capitalX, !executeOK, mode & 1 != 0, existing & 1 == 0 { mode &= ~1 }
        return mode & 7
    }

    /// `^\s*[+]?([01]?)([0-7]{3})\s*$`
    static func parseOctal(_ text: String, into change: inout ModeChange) -> Bool {
        var body = Substring(text.trimmingBlanks())
        if body.hasPrefix("+") { body = body.dropFirst() }
        guard body.count == 3 || body.count == 4, body.allSatisfy({ ("0"..."7").contains($0) }) else { return false }
        let digits = body.map { UInt16(String($0))! }
        if digits.count == 4 {
            guard digits[0] <= 1 else { return false }
            change.sticky = Segment(op: "=", bits: digits[0])
        }
        let last = digits.suffix(3).map { $0 }
        change.user = Segment(op: "=", bits: last[0])
        change.group = Segment(op: "=", bits: last[1])
        change.others = Segment(op: "=", bits: last[2])
        return true
    }

    /// Clauses `[ugoa]*[+-=]+[rwxXt]+` separated by commas (or blanks).
    static func parseSymbolic(_ text: String, into change: inout ModeChange) -> Bool {
        let clauses = text.split(whereSeparator: { $0 == "," || $0 == " " })
        guard !clauses.isEmpty, !text.hasSuffix(","), !text.hasPrefix(",") else { return false }
        for clause in clauses {
            let who = clause.prefix { "ugoa".contains($0) }
            let afterWho = clause.dropFirst(who.count)
            let ops = afterWho.prefix { "+-=".contains($0) }
            let perms = afterWho.dropFirst(ops.count)
            guard let op = ops.last, !perms.isEmpty, perms.allSatisfy({ "rwxXt".contains($0) }) else { return false }
            var bits: UInt16 = 0
            var stickyBit = false
            for perm in perms {
                switch perm {
                case "r": bits |= 4
                case "w": bits |= 2
                case "x": bits |= 1
                case "X": bits |= 8
                default: stickyBit = true
                }
            }
            let named = who.filter { $0 != "a" }
            let all = named.isEmpty
            if all || named.contains("u") { change.user = Segment(op: op, bits: bits) }
            if all || named.contains("g") { change.group = Segment(op: op, bits: bits) }
            if all || named.contains("o") {
                change.others = Segment(op: op, bits: bits)
                change.sticky = Segment(op: op, bits: stickyBit ? 1 : 0)
            }
        }
        return true
    }
}

/// `-chown [OWNER][:[GROUP]]` and `-chgrp GROUP`, with Hadoop's allowed characters
/// (`[-_./@a-zA-Z0-9]`) and messages.
public struct OwnerChange: Sendable, Equatable {
    public var owner: String?
    public var group: String?

    static func isAllowed(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || "-_./@".contains(c))
    }

    public init(owner: String?, group: String?) {
        self.owner = owner
        self.group = group
    }

    public init(chown text: String) throws(UsageError) {
        let trimmed = text.trimmingBlanks()
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let ownerPart = parts[0]
        let groupPart = parts.count > 1 ? parts[1] : nil
        guard ownerPart.allSatisfy(Self.isAllowed), groupPart?.allSatisfy(Self.isAllowed) ?? true else {
            throw UsageError("'\(text)' does not match expected pattern for [owner][:group].")
        }
        owner = ownerPart.isEmpty ? nil : String(ownerPart)
        group = groupPart.flatMap { $0.isEmpty ? nil : String($0) }
        guard owner != nil || group != nil else {
            throw UsageError("'\(text)' does not specify owner or group.")
        }
    }

    public init(chgrp text: String) throws(UsageError) {
        let trimmed = text.trimmingBlanks()
        guard !trimmed.isEmpty, trimmed.allSatisfy(Self.isAllowed) else {
            throw UsageError("'\(text)' does not match expected pattern for group")
        }
        owner = nil
        group = trimmed
    }
}

extension String {
    func trimmingBlanks() -> String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}
