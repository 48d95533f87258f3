import RFSClient

/// A path as FsShell shows it (Hadoop's `PathData`): the text the user typed (children
/// appended to it), the absolute path it resolves to, and its status when it exists.
public struct ShellPath: Sendable, Hashable, CustomStringConvertible {
    /// What FsShell prints: the argument as typed, trailing slashes dropped; children as `<parent>/<name>`.
    public let display: String
    /// The absolute path sent to the namenode.
    public let absolute: String
    public var status: FileStatus?
    /// The filesystem the path is on, by its URI's authority ("" for the default one).
    public let authority: String

    public init(display: String, absolute: String, status: FileStatus? = nil, authority: String = "") {
        self.display = display
        self.absolute = absolute
        self.status = status
        self.authority = authority
    }

    public var exists: Bool { status != nil }
    public var description: String { display }

    /// The argument as FsShell keeps it (its normalized URI): `.` and `..` segments resolved
    /// where they can be, repeated and trailing slashes dropped, the root slash kept.
    public static func displayText(for argument: String) -> String {
        guard argument != "." else { return argument }
        var prefix = ""
        var path = Substring(argument)
        if let schemeEnd = argument.range(of: "://") {
            let pathStart = argument[schemeEnd.upperBound...].firstIndex(of: "/") ?? argument.endIndex
            prefix = String(argument[..<pathStart])
            path = argument[pathStart...]
        }
        let absolute = path.hasPrefix("/")
        var kept: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == "..", let last = kept.last, last != ".." {
                kept.removeLast()
            } else if component == "..", absolute {
                continue
            } else {
                kept.append(component)
            }
        }
        let joined = kept.joined(separator: "/")
        if absolute { return prefix + "/" + joined }
        return prefix + (joined.isEmpty && prefix.isEmpty ? "." : joined)
    }

    /// A child found by listing this directory: `.` lists as bare names, as FsShell does.
    public func child(_ status: FileStatus) -> ShellPath {
        let name = status.name
        let display: String
        if self.display == "." {
            display = name
        } else if let schemeEnd = self.display.range(of: "://"), !self.display[schemeEnd.upperBound...].contains("/") {
            // `hdfs://host:port` alone is the working directory: children show in full.
            display = self.display + status.path
        } else {
            display = self.display.hasSuffix("/") ? self.display + name : self.display + "/" + name
        }
        return ShellPath(display: display, absolute: status.path, status: status, authority: authority)
    }
}

/// The error lines FsShell prints for a path (Hadoop's `PathIOException` family).
public enum PathMessage {
    public static func notFound(_ path: String) -> String { "`\(path)': No such file or directory" }
    public static func exists(_ path: String) -> String { "`\(path)': File exists" }
    public static func isDirectory(_ path: String) -> String { "`\(path)': Is a directory" }
    public static func isNotDirectory(_ path: String) -> String { "`\(path)': Is not a directory" }
    public static func notEmpty(_ path: String) -> String { "`\(path)': Directory is not empty" }
    public static func ioError(_ path: String) -> String { "`\(path)': Input/output error" }
    public static func other(_ path: String, _ what: String) -> String { "`\(path)': \(what)" }
}

/// A failure on one path: FsShell prints `<cmd>: <message>`, counts it, and goes on with the
/// next path; the command then exits 1.
public struct PathFailure: Error, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
}

/// A local path as the shell's local arguments give it: a `file://` URI or a plain path.
func localFilePath(_ argument: String) -> String {
    argument.hasPrefix("file://") ? String(argument.dropFirst("file://".count)) : argument
}
