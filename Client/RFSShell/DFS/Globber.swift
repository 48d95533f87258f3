import RFSClient

/// Expands a glob path component by component (Hadoop's `Globber`): a component with glob
/// characters lists the directories matched so far and keeps the names that match; a plain
/// component is appended; at the end every candidate is looked up.
struct Globber {
    let fs: FileSystem

    func statuses(matching argument: String) async throws -> [FileStatus] {
        // Resolve without globbing: `*`, `?`, `[`, `{` are ordinary characters to the resolver.
        let absolute = try fs.resolve(argument)
        var candidates: [(path: String, status: FileStatus?)] = [("/", nil)]
        for component in absolute.split(separator: "/") {
            var next: [(path: String, status: FileStatus?)] = []
            if GlobPattern.hasGlob(component) {
                let pattern = GlobPattern(component)
                for candidate in candidates {
                    // Only directories have entries to match; a missing one matches nothing.
                    guard let status = try await status(of: candidate), status.isDirectory else { continue }
                    for try await entry in try fs.listing(candidate.path) where pattern.matches(entry.name) {
                        next.append((entry.path, entry))
                    }
                }
            } else {
                let name = Self.unescaped(component)
                next = candidates.map { (PathResolver.child(of: $0.path, named: name), nil) }
            }
            candidates = next
            if candidates.isEmpty { return [] }
        }
        var found: [FileStatus] = []
        for candidate in candidates {
            if let status = try await status(of: candidate) { found.append(status) }
        }
        return found
    }

    /// The status a listing already gave, else one lookup.
    func status(of candidate: (path: String, status: FileStatus?)) async throws -> FileStatus? {
        if let known = candidate.status { return known }
        return try await fs.fileStatus(candidate.path)
    }

    static func unescaped(_ component: Substring) -> String {
        var text = ""
        var escaping = false
        for c in component {
            if c == "\\", !escaping { escaping = true; continue }
            escaping = false
            text.append(c)
        }
        return text
    }
}
