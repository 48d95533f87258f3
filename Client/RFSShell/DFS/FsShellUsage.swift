/// FsShell's usage output: the whole listing (`printUsage`) and one command's line
/// (`printInstanceUsage`). It says `hadoop fs` because FsShell does, and scripts match on it.
enum FsShellUsage {
    static let prefix = "Usage: hadoop fs [generic options]"

    /// Every command's usage, then the generic options, each line ending in a newline.
    static var full: String {
        var text = prefix + "\n"
        for (name, usage) in FsShellTexts.usages {
            text += "\t[-\(name) \(usage)]\n"
        }
        text += "\n" + FsShellTexts.genericOptions + "\n\n"
        return text
    }

    static func line(name: String, usage: String) -> String {
        "\(prefix) -\(name) \(usage)"
    }
}
