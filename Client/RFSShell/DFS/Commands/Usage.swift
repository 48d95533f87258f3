/// `-usage [cmd ...]`: the usage of each command named, or of all of them.
struct UsageCommand: DFSCommand {
    static let name = "usage"
    static let usage = "[cmd ...]"

    let names: [String]

    /// No options: every argument names a command, without its dash (FsShell looks up `-<name>`).
    init(arguments: [String]) throws(UsageError) {
        names = arguments
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        guard !names.isEmpty else {
            context.print(FsShellUsage.full)
            return 0
        }
        for name in names {
            guard let usage = DFSCommandTable.usage(of: name) else { throw UsageError("`\(name)': Unknown command") }
            context.printLine(FsShellUsage.line(name: name, usage: usage))
        }
        return 0
    }
}

/// `-help [cmd ...]`: the description of each command named, or of all of them.
struct HelpCommand: DFSCommand {
    static let name = "help"
    static let usage = "[cmd ...]"

    let names: [String]

    /// No options: every argument names a command, without its dash.
    init(arguments: [String]) throws(UsageError) {
        names = arguments
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        guard !names.isEmpty else {
            // Everything: the command list, each command's help followed by a blank line, the generic options.
            var text = FsShellUsage.prefix + "\n"
            for (name, usage) in FsShellTexts.usages { text += "\t[-\(name) \(usage)]\n" }
            text += "\n"
            for (name, _) in FsShellTexts.usages {
                for line in FsShellTexts.help[name] ?? [] { text += line + "\n" }
                text += "\n"
            }
            context.print(text + FsShellTexts.genericOptions + "\n\n")
            return 0
        }
        for name in names {
            guard let lines = FsShellTexts.help[name] else { throw UsageError("`\(name)': Unknown command") }
            for line in lines { context.printLine(line) }
        }
        return 0
    }
}
