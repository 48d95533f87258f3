/// A usage error: FsShell prints `-<cmd>: <message>`, the whole usage and the command's usage
/// line, and exits -1 (255). Hadoop raises these as IllegalArgumentException.
public struct UsageError: Error, Equatable, Sendable {
    public let message: String
    /// A line FsShell prints before the usage error itself (`setrep: Illegal replication, …`).
    public let warning: String?

    public init(_ message: String, warning: String? = nil) {
        self.message = message
        self.warning = warning
    }
}

/// Hadoop's `CommandFormat`: single-dash flags and flags with a value, taken from the front
/// of the arguments until the first non-option (`-` alone is a path, `--` ends the options),
/// then a check of how many arguments are left. Flags are case-sensitive and never combined
/// (`-Rh` is one unknown option, as in FsShell).
public struct CommandFormat: Sendable {
    public let minimumArguments: Int
    public let maximumArguments: Int
    public let flags: Set<String>
    public let valueOptions: Set<String>

    public init(min: Int, max: Int = Int.max, flags: [String] = [], valueOptions: [String] = []) {
        self.minimumArguments = min
        self.maximumArguments = max
        self.flags = Set(flags)
        self.valueOptions = Set(valueOptions)
    }

    /// The options found, in the order given, and the arguments after them.
    public struct Parsed: Sendable, Equatable {
        public var flagsSet: [String] = []
        public var values: [String: String] = [:]
        public var arguments: [String] = []

        public func has(_ flag: String) -> Bool { flagsSet.contains(flag) }
    }

    public func parse(_ arguments: [String]) throws(UsageError) -> Parsed {
        var parsed = Parsed()
        var rest = arguments[...]
        while let argument = rest.first {
            if !argument.hasPrefix("-") || argument == "-" { break }
            if argument == "--" {
                rest.removeFirst()
                break
            }
            let option = String(argument.dropFirst())
            if flags.contains(option) {
                rest.removeFirst()
                if !parsed.flagsSet.contains(option) { parsed.flagsSet.append(option) }
            } else if valueOptions.contains(option) {
                rest.removeFirst()
                if let value = rest.first, !value.hasPrefix("-"), rest.count > minimumArguments {
                    parsed.values[option] = value
                    rest.removeFirst()
                } else {
                    parsed.values[option] = ""
                }
            } else {
                throw UsageError("Illegal option \(argument)")
            }
        }
        parsed.arguments = Array(rest)
        try checkCount(parsed.arguments.count)
        return parsed
    }

    /// FsShell's messages for too few or too many arguments.
    public func checkCount(_ count: Int) throws(UsageError) {
        if count < minimumArguments {
            throw UsageError("Not enough arguments: expected \(minimumArguments) but got \(count)")
        }
        if count > maximumArguments {
            throw UsageError("Too many arguments: expected \(maximumArguments) but got \(count)")
        }
    }
}

/// Hadoop's StringUtils.popOptionWithArgument: removes `option` and the value after it from
/// anywhere before a "--", and answers the value (nil when the option is absent).
func popOptionWithArgument(_ option: String, from arguments: inout [String]) throws(UsageError) -> String? {
    for index in arguments.indices {
        if arguments[index] == "--" { return nil }
        guard arguments[index] == option else { continue }
        guard index + 1 < arguments.count else { throw UsageError("option \(option) requires 1 argument.") }
        let value = arguments[index + 1]
        arguments.removeSubrange(index...(index + 1))
        return value
    }
    return nil
}
