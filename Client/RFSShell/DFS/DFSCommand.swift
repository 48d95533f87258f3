import RFSClient
import RFSConfig

/// One `rfs dfs -<name>` command, in one file under `DFS/Commands/`. `init(arguments:)` parses
/// the options and checks the argument count without touching the filesystem (as FsShell's
/// `processOptions`), so usage errors never need a namenode; `run` does the work.
protocol DFSCommand {
    /// The name without its dash (`ls`).
    static var name: String { get }
    /// The usage after the name, as FsShell prints it (`[-d] [-h] [-R] [<path> ...]`).
    static var usage: String { get }
    init(arguments: [String]) throws(UsageError)
    /// Runs the command; answers the exit code. A `UsageError` thrown here is reported as
    /// FsShell reports an IllegalArgumentException (usage, exit 255).
    func run(_ context: DFSContext) async throws -> Int32
}

extension DFSCommand {
    /// `-help <name>`: FsShell's own text when it has one.
    static var helpLines: [String] { FsShellTexts.help[name] ?? ["-\(name) \(usage) :"] }
}

/// What a running command works with: the filesystem, the configuration, the output, and
/// the error count that decides the exit code (Hadoop's `Command` state).
final class DFSContext {
    /// The default filesystem (`-fs`, else `fs.defaultFS`).
    let fs: FileSystem
    let configuration: Configuration
    let environment: [String: String]
    let output: any ShellOutput
    let commandName: String
    private(set) var errorCount = 0
    /// Filesystems named by qualified arguments (`hdfs://other:8020/x`), opened on first use
    /// as FsShell does, by lower-cased authority.
    private var others: [String: FileSystem] = [:]

    init(fs: FileSystem, configuration: Configuration, environment: [String: String] = [:], output: any ShellOutput, commandName: String) {
        self.fs = fs
        self.configuration = configuration
        self.environment = environment
        self.output = output
        self.commandName = commandName
    }

    /// The filesystem `item` is on.
    func fs(_ item: ShellPath) -> FileSystem {
        others[item.authority.lowercased()] ?? fs
    }

    /// The filesystem an argument names: its own for a qualified path on another authority.
    func fileSystem(for argument: String) throws -> FileSystem {
        guard argument.contains("://") else { return fs }
        let uri = try FileSystemURI(parsing: argument)
        let key = uri.authority.lowercased()
        if key == fs.uri.authority.lowercased() { return fs }
        if let open = others[key] { return open }
        let opened = try FileSystem(uri: uri.description, configuration: configuration, environment: environment)
        others[key] = opened
        return opened
    }

    /// Closes every filesystem opened.
    func closeAll() async {
        for other in others.values { await other.close() }
        await fs.close()
    }

    /// 0 when every path succeeded, else 1 (Hadoop's `exitCodeForError`).
    var exitCode: Int32 { errorCount == 0 ? 0 : 1 }

    func printLine(_ line: String) { output.printLine(line) }
    func print(_ text: String) { output.write(text, error: false) }

    /// `<cmd>: <message>` on stderr, counted as an error.
    func displayError(_ message: String) {
        errorCount += 1
        displayWarning(message)
    }

    /// `<cmd>: <message>` on stderr, not counted.
    func displayWarning(_ message: String) {
        output.printError("\(commandName): \(message)")
    }

    /// Reports a failure on one path and lets the command go on; a usage error ends the command.
    func report(_ error: any Error) throws {
        if let usage = Self.usageError(error) { throw usage }
        displayError(Self.message(for: error))
    }

    /// Errors Hadoop raises as IllegalArgumentException, which FsShell answers with usage.
    static func usageError(_ error: any Error) -> UsageError? {
        switch error {
        case let usage as UsageError: usage
        case FileSystemError.cannotConnect, FileSystemError.invalidURI: nil
        case FileSystemError.invalidPath(_, let reason) where reason.hasPrefix("Relative path in absolute URI"):
            UsageError("java.net.URISyntaxException: \(reason)")
        case let invalid as FileSystemError: UsageError(invalid.description)
        default: nil
        }
    }

    /// The line FsShell prints for an error: a path message, or the first line of the
    /// namenode's message (Hadoop unwraps the RemoteException into its own class).
    static func message(for error: any Error) -> String {
        switch error {
        case let failure as PathFailure: failure.message
        case let remote as RemoteException: String(remote.message.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        default: "\(error)"
        }
    }

    /// The argument resolved and looked up (Hadoop's `PathData` for one argument, no glob).
    func lookup(_ argument: String) async throws -> ShellPath {
        let fs = try fileSystem(for: argument)
        let absolute = try fs.resolve(argument)
        let status = try await fs.fileStatus(absolute)
        return ShellPath(display: ShellPath.displayText(for: argument), absolute: absolute, status: status, authority: fs.uri.authority)
    }

    /// Hadoop's `expandArgument`: a glob becomes its matches, sorted, shown in the argument's
    /// form (qualified, absolute or relative); a glob matching nothing is "No such file or
    /// directory"; a plain path is looked up (and may not exist).
    func expand(_ argument: String) async throws -> [ShellPath] {
        guard GlobPattern.hasGlob(argument) else { return [try await lookup(argument)] }
        let fs = try fileSystem(for: argument)
        let matches = try await Globber(fs: fs).statuses(matching: argument)
        guard !matches.isEmpty else { throw PathFailure(PathMessage.notFound(argument)) }
        let prefix: String
        if let schemeEnd = argument.range(of: "://") {
            prefix = String(argument[..<(argument[schemeEnd.upperBound...].firstIndex(of: "/") ?? argument.endIndex)])
        } else {
            prefix = ""
        }
        let relativeBase = fs.paths.workingDirectory + "/"
        let items = matches.map { status -> ShellPath in
            let display: String
            if !prefix.isEmpty || argument.hasPrefix("/") {
                display = prefix + status.path
            } else {
                display = status.path.hasPrefix(relativeBase) ? String(status.path.dropFirst(relativeBase.count)) : status.path
            }
            return ShellPath(display: display, absolute: status.path, status: status, authority: fs.uri.authority)
        }
        // Glob matches are PathData made from strings: they sort as plain strings (the
        // conformance test shows `h#sh` before `ünï` here, unlike a directory's contents).
        return items.sorted { $0.display < $1.display }
    }

    /// `hdfs://host:port/abs` on `item`'s filesystem, as Hadoop names a path in some messages.
    func qualified(_ absolute: String, on item: ShellPath) -> String { fs(item).paths.qualified(absolute) }

    /// The entries of a directory, as children of `directory`, in FsShell's order
    /// (`getDirectoryContents` sorts by URI, see `URIOrder`).
    func children(of directory: ShellPath) async throws -> [ShellPath] {
        var children: [ShellPath] = []
        for try await status in try fs(directory).listing(directory.absolute) {
            children.append(directory.child(status))
        }
        return URIOrder.sorted(children)
    }

    /// Hadoop's `Command.processRawArguments`: every argument is looked up first (a failed
    /// lookup is printed then, before any work), then each is given to `existing` or
    /// `nonexistent` (by default the "No such file or directory" error); a failure is printed
    /// and the next argument goes on.
    /// `unmatchedGlobsAreEmpty`: a glob that matches nothing is no error, only no items (as
    /// `rm -f` takes it).
    func forEachArgument(_ arguments: [String], unmatchedGlobsAreEmpty: Bool = false,
                         nonexistent: ((ShellPath) async throws -> Void)? = nil,
                         existing: (ShellPath) async throws -> Void) async throws {
        var items: [ShellPath] = []
        for argument in arguments {
            do {
                items += try await expand(argument)
            } catch let failure as PathFailure where unmatchedGlobsAreEmpty && GlobPattern.hasGlob(argument)
                        && failure == PathFailure(PathMessage.notFound(argument)) {
                continue
            } catch {
                try report(error)
            }
        }
        for item in items {
            do {
                if item.exists {
                    try await existing(item)
                } else if let nonexistent {
                    try await nonexistent(item)
                } else {
                    throw PathFailure(PathMessage.notFound(item.display))
                }
            } catch {
                try report(error)
            }
        }
    }

    /// Hadoop's `processPaths` with recursion: `visit` each item, then (when `recursive` and it
    /// is a directory) its children, depth first; a failure on one item is printed and the
    /// walk goes on.
    func walk(_ items: [ShellPath], recursive: Bool, visit: (ShellPath) async throws -> Void) async throws {
        for item in items {
            do {
                try await visit(item)
                if recursive, item.status?.isDirectory == true {
                    try await walk(children(of: item), recursive: true, visit: visit)
                }
            } catch {
                try report(error)
            }
        }
    }
}
