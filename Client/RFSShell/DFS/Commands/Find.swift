import RFSClient

/// `-find <path> ... <expression> ...` (Hadoop's `Find`): every path under the given ones
/// (themselves included, depth first) that passes the expression: `-name` and `-iname` (a glob
/// on the last component, the latter ignoring case), joined by `-and`/`-a` or side by side,
/// then `-print` (a newline after each) or `-print0` (a NUL); `-print` when none is given, and
/// the working directory when no path is.
struct FindCommand: DFSCommand {
    static let name = "find"
    static let usage = "<path> ... <expression> ..."

    let paths: [String]
    let patterns: [(glob: GlobPattern, ignoringCase: Bool)]
    let terminator: String
    /// An expression FsShell reads and then refuses (an IOException: no usage, exit 1).
    let refusal: String?

    init(arguments: [String]) throws(UsageError) {
        var remaining = arguments[...]
        var paths: [String] = []
        while let first = remaining.first, !first.hasPrefix("-") || first == "-" {
            paths.append(first)
            remaining = remaining.dropFirst()
        }
        var patterns: [(GlobPattern, Bool)] = []
        var terminator = "\n"
        var refusal: String?
        while refusal == nil, let token = remaining.popFirst() {
            switch token {
            case "-name", "-iname":
                guard let pattern = remaining.popFirst() else { throw UsageError("Insufficient arguments for \(token)") }
                patterns.append(token == "-iname" ? (GlobPattern(pattern.lowercased()), true) : (GlobPattern(pattern), false))
            case "-print": terminator = "\n"
            case "-print0": terminator = "\0"
            case "-and", "-a": continue
            default: refusal = "Unexpected argument: \(token)"
            }
        }
        self.paths = paths.isEmpty ? ["."] : paths
        self.patterns = patterns
        self.terminator = terminator
        self.refusal = refusal
    }

    func passes(_ item: ShellPath) -> Bool {
        let name = item.absolute == "/" ? "" : String(item.absolute.split(separator: "/").last ?? "")
        return patterns.allSatisfy { $0.ignoringCase ? $0.glob.matches(name.lowercased()) : $0.glob.matches(name) }
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        if let refusal {
            context.displayError(refusal)
            return context.exitCode
        }
        var items: [ShellPath] = []
        for path in paths {
            do { items += try await context.expand(path) } catch { try context.report(error) }
        }
        var missing: [ShellPath] = []
        let existing = items.filter { item in
            if item.exists { return true }
            missing.append(item)
            return false
        }
        for item in missing { context.displayError(PathMessage.notFound(item.display)) }
        try await context.walk(existing, recursive: true) { item in
            if passes(item) { context.print(item.display + terminator) }
        }
        return context.exitCode
    }
}
