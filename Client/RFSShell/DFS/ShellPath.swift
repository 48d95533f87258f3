import RFSClient

/// A path as FsShell shows it (Hadoop's `PathData`): the text the user typed (children
/// appended to it), the absolute path it resolves to, and its status when it exists.
public struct ShellPath: Sendable, Hashable, CustomStringConvertible {
    /// What FsShell prints: the argument as typed, trailing slashes dropped; children as `<parent>/<name>`.
    public let display: String
    /// The absolute path sent to the namenode.
    public let absolute: String
    public var status: FileStatus?

    public init(display: String, absolute: String, status: FileStatus? = nil) {
        self.display = display
        self.absolute = absolute
        self.status = status
    }

    public var exists: Bool { status != nil }
    public var description: String { display }

    /// The argument as FsShell keeps it: trailing slashes dropped unless it is only slashes.
    public static func displayText(for argument: String) -> String {
        // The path part starts after `scheme://authority`; its root slash stays.
        var pathStart = argument.startIndex
        if let schemeEnd = argument.range(of: "://") {
            pathStart = argument[schemeEnd.upperBound...].firstIndex(of: "/") ?? argument.endIndex
        }
        var text = Substring(argument)
        while text.hasSuffix("/"), text.distance(from: pathStart, to: text.endIndex) > 1 { text.removeLast() }
        return String(text)
    }

    /// A child found by listing this directory: `.` lists as bare names, as FsShell does.
    public func child(_ status: FileStatus) -> ShellPath {
        let name = status.name
        let display = self.display == "." ? name : (self.display.hasSuffix("/") ? self.display + name : self.display + "/" + name)
        return ShellPath(display: display, absolute: status.path, status: status)
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
