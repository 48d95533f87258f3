import RFSModel

/// Turns what a user typed (`/abs`, `rel/ative`, `hdfs://host:port/abs`) into the absolute,
/// normalized path the namenode takes. Pure: the working directory and the filesystem's
/// authority are given.
public struct PathResolver: Sendable, Hashable {
    public static let scheme = "hdfs"

    /// `host:port` of the filesystem, as in its URI.
    public let authority: String
    /// Absolute path relative paths start from (HDFS: `/user/<user>`).
    public var workingDirectory: String

    public init(authority: String, workingDirectory: String) {
        self.authority = authority
        self.workingDirectory = workingDirectory
    }

    /// `hdfs://host:port`.
    public var uri: String { "\(Self.scheme)://\(authority)" }

    /// The absolute normalized path `text` names. `.` and `..` are resolved and repeated or
    /// trailing slashes dropped, as Hadoop's `Path` does.
    public func resolve(_ text: String) throws(FileSystemError) -> String {
        guard !text.isEmpty else { throw .invalidPath(text, reason: "Can not create a Path from an empty string") }
        let pathPart: Substring
        if let schemeEnd = text.range(of: "://") {
            let scheme = text[..<schemeEnd.lowerBound]
            let rest = text[schemeEnd.upperBound...]
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            let otherAuthority = rest[..<slash]
            guard scheme.lowercased() == Self.scheme, otherAuthority.lowercased() == authority.lowercased() else {
                throw .wrongFileSystem(path: text, expected: uri)
            }
            // `hdfs://host:port` alone names the working directory, as Hadoop's Path does.
            pathPart = slash == rest.endIndex ? Substring(workingDirectory) : rest[slash...]
        } else if text.hasPrefix("/") {
            pathPart = Substring(text)
        } else {
            pathPart = Substring(workingDirectory + "/" + text)
        }
        let components = try Self.normalizedComponents(pathPart, original: text)
        return Self.join(components)
    }

    /// `hdfs://host:port/abs` for an absolute path.
    public func qualified(_ absolutePath: String) -> String { uri + absolutePath }

    /// The parent of an absolute path (`nil` for the root).
    public static func parent(of absolutePath: String) -> String? {
        guard absolutePath != "/" else { return nil }
        guard let slash = absolutePath.lastIndex(of: "/") else { return nil }
        return slash == absolutePath.startIndex ? "/" : String(absolutePath[..<slash])
    }

    /// `parent` + `/` + `name`, without a doubled slash at the root.
    public static func child(of parent: String, named name: String) -> String {
        parent.hasSuffix("/") ? parent + name : parent + "/" + name
    }

    static func normalizedComponents(_ path: Substring, original: String) throws(FileSystemError) -> [Substring] {
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..": if !components.isEmpty { components.removeLast() }
            default:
                // HDFS refuses ':' inside a component (DFSUtil.isValidName).
                // Hadoop's own words: its Path makes each component a relative URI.
                guard !component.contains(":") else { throw .invalidPath(original, reason: "Relative path in absolute URI: \(component)") }
                components.append(component)
            }
        }
        guard components.count <= Limits.pathDepthMax else {
            throw .invalidPath(original, reason: "deeper than \(Limits.pathDepthMax) components")
        }
        let bytes = components.reduce(0) { $0 + $1.utf8.count + 1 }
        guard bytes <= Limits.pathBytesMax else {
            throw .invalidPath(original, reason: "longer than \(Limits.pathBytesMax) bytes")
        }
        return components
    }

    static func join(_ components: [Substring]) -> String {
        components.isEmpty ? "/" : "/" + components.joined(separator: "/")
    }
}
