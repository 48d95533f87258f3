import RFSModel

/// `hdfs://authority[/path]`, split. The authority is `host[:port]` or an HA nameservice name.
public struct FileSystemURI: Sendable, Hashable, CustomStringConvertible {
    public var authority: String

    public init(authority: String) {
        self.authority = authority
    }

    public init(parsing text: String) throws(FileSystemError) {
        guard let schemeEnd = text.range(of: "://") else {
            throw .invalidURI(text, reason: "expected hdfs://host[:port]")
        }
        guard text[..<schemeEnd.lowerBound].lowercased() == PathResolver.scheme else {
            throw .invalidURI(text, reason: "only the hdfs:// scheme is served")
        }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" }
        guard !authority.isEmpty else { throw .invalidURI(text, reason: "no host in the URI") }
        self.authority = String(authority)
    }

    public var description: String { "\(PathResolver.scheme)://\(authority)" }
}
