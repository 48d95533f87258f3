/// Where a setting's value came from, so an error can point at it.
public enum ConfigSource: Sendable, Equatable, CustomStringConvertible {
    case defaultValue
    case file(path: String, line: Int)
    case environment(variable: String)
    case flag

    public var description: String {
        switch self {
        case .defaultValue: "the built-in default"
        case .file(let path, let line): "\(path):\(line)"
        case .environment(let variable): "environment variable \(variable)"
        case .flag: "a -D flag"
        }
    }
}

/// A configuration problem, worded for the operator: which key, where it was set, what was
/// found and what was expected.
public enum ConfigError: Error, Equatable, CustomStringConvertible {
    case invalidValue(key: String, value: String, source: ConfigSource, expected: String)
    case missing(key: String, expected: String)
    case syntax(path: String, line: Int, text: String)
    /// A Hadoop XML configuration file that cannot be read as one.
    case xml(path: String, line: Int, reason: String)
    case unreadable(path: String, reason: String)
    case malformedFlag(String)

    public var description: String {
        switch self {
        case .invalidValue(let key, let value, let source, let expected):
            "bad value for \(key) in \(source): '\(value)'; expected \(expected)"
        case .missing(let key, let expected):
            "\(key) is not set; expected \(expected)"
        case .syntax(let path, let line, let text):
            "\(path):\(line): cannot read '\(text)'; expected 'key = value', a comment (#) or a blank line"
        case .xml(let path, let line, let reason):
            "\(path):\(line): \(reason)"
        case .unreadable(let path, let reason):
            "cannot read configuration file \(path): \(reason)"
        case .malformedFlag(let text):
            "cannot read -D '\(text)'; expected -D key=value"
        }
    }
}

/// Settings as text, layered: built-in defaults < Hadoop's XML files < rfs's file <
/// environment < `-D` flags (see `load`). Keys are HDFS's names where HDFS has the setting
/// (`dfs.blocksize`, `dfs.replication`, `dfs.namenode.rpc-address.<ns>.<nn>`, …). Typed reads
/// go through `ConfigKey`.
///
/// rfs's own file format is one `key = value` per line, `#` starting a comment line, so the
/// shipped examples can explain every key in place; Hadoop's XML files are read too
/// (`HadoopXML`).
public struct Configuration: Sendable {
    struct Entry: Sendable {
        var value: String
        var source: ConfigSource
    }

    var entries: [String: Entry] = [:]

    public init() {}

    /// Parses the text of a configuration file; `path` is only used in messages.
    public init(parsing text: String, path: String) throws(ConfigError) {
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw .syntax(path: path, line: lineNumber, text: String(line))
            }
            let key = line[..<equals].trimmingWhitespace()
            let value = line[line.index(after: equals)...].trimmingWhitespace()
            guard !key.isEmpty, !key.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw .syntax(path: path, line: lineNumber, text: String(line))
            }
            entries[String(key)] = Entry(value: String(value), source: .file(path: path, line: lineNumber))
        }
    }

    /// Sets `key` from a `-D key=value` flag (Hadoop's generic option).
    public mutating func apply(flag: String) throws(ConfigError) {
        guard let equals = flag.firstIndex(of: "="), equals != flag.startIndex else {
            throw .malformedFlag(flag)
        }
        let key = flag[..<equals].trimmingWhitespace()
        let value = flag[flag.index(after: equals)...].trimmingWhitespace()
        setHonouringDeprecation(String(key), String(value), source: .flag)
    }

    /// Sets keys from the environment: `RFS_DFS_BLOCKSIZE=256m` sets `dfs.blocksize`. Only
    /// keys rfs knows (`knownKeys`) are looked up, because the mapping back from a variable
    /// name to a dotted key is not unique.
    public mutating func apply(environment: [String: String], knownKeys: [String]) {
        for key in knownKeys {
            let variable = Self.environmentVariable(for: key)
            if let value = environment[variable] {
                entries[key] = Entry(value: value.trimmingWhitespace(), source: .environment(variable: variable))
            }
        }
    }

    /// The environment variable that overrides `key`: `RFS_` + the key upper-cased, with
    /// `.` and `-` as `_`.
    public static func environmentVariable(for key: String) -> String {
        "RFS_" + String(key.uppercased().map { $0 == "." || $0 == "-" ? "_" : $0 })
    }

    public mutating func set(_ key: String, _ value: String, source: ConfigSource = .flag) {
        entries[key] = Entry(value: value, source: source)
    }

    /// The raw text of `key`, if set anywhere but the defaults.
    public func raw(_ key: String) -> String? { entries[key]?.value }

    public func source(of key: String) -> ConfigSource { entries[key]?.source ?? .defaultValue }

    /// Every key set, sorted (for `rfs getconf`-style listings).
    public var keys: [String] { entries.keys.sorted() }

    /// The typed value of `key`, or its default when unset.
    public func get<Value>(_ key: ConfigKey<Value>) throws(ConfigError) -> Value {
        guard let entry = entries[key.name] else { return key.defaultValue }
        guard let value = key.parse(entry.value) else {
            throw .invalidValue(key: key.name, value: entry.value, source: entry.source, expected: key.expected)
        }
        return value
    }

    /// The typed value of a key whose name is only known at run time (`dfs.ha.namenodes.<ns>`).
    public func get<Value>(_ name: String, as kind: ConfigKey<Value>) throws(ConfigError) -> Value? {
        guard let entry = entries[name] else { return nil }
        guard let value = kind.parse(entry.value) else {
            throw .invalidValue(key: name, value: entry.value, source: entry.source, expected: kind.expected)
        }
        return value
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (no Foundation needed).
    public func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
