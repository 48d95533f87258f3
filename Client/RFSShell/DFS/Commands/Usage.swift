/// `-usage [cmd ...]`: the usage of each command named, or of all of them.
struct UsageCommand: DFSCommand {
    static let name = "usage"
    static let usage = "[cmd ...]"

    let names: [String]

    init(arguments: [String]) throws(UsageError) {
        names = try CommandFormat(min: 0).parse(arguments).arguments
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        guard !names.isEmpty else {
            context.print(FsShellUsage.full)
            return 0
        }
        var code: Int32 = 0
        for name in names {
            let bare = name.hasPrefix("-") ? String(name.dropFirst()) : name
            if let usage = DFSCommandTable.usage(of: bare) {
                context.printLine(FsShellUsage.line(name: bare, usage: usage))
            } else {
                context.output.printError("Usage: hadoop fs [generic options]")
                context.output.printError("\(name): Unknown command")
                code = 1
            }
        }
        return code
    }
}

/// `-help [cmd ...]`: the description of each command named, or of all of them.
struct HelpCommand: DFSCommand {
    static let name = "help"
    static let usage = "[cmd ...]"

    let names: [String]

    init(arguments: [String]) throws(UsageError) {
        names = try CommandFormat(min: 0).parse(arguments).arguments
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
        var code: Int32 = 0
        for name in names.map({ $0.hasPrefix("-") ? String($0.dropFirst()) : $0 }) {
            if let lines = FsShellTexts.help[name] {
                for line in lines { context.printLine(line) }
            } else {
                context.output.printError("\(name): Unknown command")
                code = 1
            }
        }
        return code
    }
}
