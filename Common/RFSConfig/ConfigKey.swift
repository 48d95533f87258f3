@_exported import RFSModel

/// A typed setting: its HDFS key name, default, how to parse it and what a valid value
/// looks like (for the error message when it is not).
public struct ConfigKey<Value: Sendable>: Sendable {
    public let name: String
    public let defaultValue: Value
    public let expected: String
    let parse: @Sendable (String) -> Value?

    public init(_ name: String, default defaultValue: Value, expected: String, parse: @escaping @Sendable (String) -> Value?) {
        self.name = name
        self.defaultValue = defaultValue
        self.expected = expected
        self.parse = parse
    }
}

extension ConfigKey where Value == Int {
    /// A plain integer within `range`.
    public static func integer(_ name: String, default value: Int, range: ClosedRange<Int>) -> Self {
        ConfigKey(name, default: value, expected: "an integer in \(range.lowerBound)...\(range.upperBound)") { text in
            guard let n = Int(text), range.contains(n) else { return nil }
            return n
        }
    }

    /// A byte count with Hadoop's binary suffixes (`getLongBytes`): k, m, g, t, p, e, in either case.
    public static func bytes(_ name: String, default value: Int, range: ClosedRange<Int>) -> Self {
        ConfigKey(name, default: value, expected: "a byte count in \(range.lowerBound)...\(range.upperBound), optionally with a k/m/g/t suffix (e.g. 128m)") { text in
            guard let n = ValueParsers.byteCount(text), range.contains(n) else { return nil }
            return n
        }
    }
}

extension ConfigKey where Value == Duration {
    /// A duration with Hadoop's unit suffixes (`getTimeDuration`): ns, us, ms, s, m, h, d;
    /// a bare number is in `defaultUnit`.
    public static func duration(_ name: String, default value: Duration, defaultUnit: Duration, minimum: Duration = .zero) -> Self {
        ConfigKey(name, default: value, expected: "a duration of at least \(minimum) such as 500ms, 3s, 10m or 1h") { text in
            guard let d = ValueParsers.duration(text, defaultUnit: defaultUnit), d >= minimum else { return nil }
            return d
        }
    }
}

extension ConfigKey where Value == Bool {
    public static func boolean(_ name: String, default value: Bool) -> Self {
        ConfigKey(name, default: value, expected: "true or false") { text in
            switch text.lowercased() {
            case "true": true
            case "false": false
            default: nil
            }
        }
    }
}

extension ConfigKey where Value == String {
    public static func string(_ name: String, default value: String, nonEmpty: Bool = false) -> Self {
        ConfigKey(name, default: value, expected: nonEmpty ? "a non-empty string" : "a string") { text in
            nonEmpty && text.isEmpty ? nil : text
        }
    }
}

extension ConfigKey where Value == String {
    /// One local directory, as a plain absolute path or a `file://` URI (Hadoop writes storage
    /// directories as URIs: `file:///data/nn`). rfs keeps one name directory, so a list is refused.
    public static func localDirectory(_ name: String, default value: String) -> Self {
        ConfigKey(name, default: value, expected: "one local directory: an absolute path or a file:/// URI") { text in
            guard !text.contains(",") else { return nil }
            return ValueParsers.localDirectory(text)
        }
    }
}

extension ConfigKey where Value == [String] {
    /// Local directories, comma-separated, each a path or a `file://` URI, optionally after a
    /// storage type in brackets as HDFS datanodes take them (`[DISK]file:///grid/0`): rfs's
    /// datanodes have one storage type, so the tag is read and dropped.
    public static func localDirectories(_ name: String, default value: [String]) -> Self {
        ConfigKey(name, default: value, expected: "comma-separated local directories: absolute paths or file:/// URIs, each optionally after [DISK], [SSD], …") { text in
            let items = ValueParsers.list(text)
            let directories = items.compactMap { item -> String? in
                var rest = Substring(item)
                if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    let type = rest[rest.index(after: rest.startIndex)..<close].uppercased()
                    guard StorageType.allCases.contains(where: { $0.description == type }) else { return nil }
                    rest = rest[rest.index(after: close)...]
                }
                return ValueParsers.localDirectory(String(rest))
            }
            return directories.count == items.count && !directories.isEmpty ? directories : nil
        }
    }

    /// A comma-separated list; blanks around items are dropped, as Hadoop's getTrimmedStrings does.
    public static func list(_ name: String, default value: [String]) -> Self {
        ConfigKey(name, default: value, expected: "a comma-separated list") { text in
            ValueParsers.list(text)
        }
    }
}

extension ConfigKey where Value == HostPort {
    public static func address(_ name: String, default value: HostPort) -> Self {
        ConfigKey(name, default: value, expected: "host:port with a port in 0...65535") { text in
            HostPort(parsing: text)
        }
    }
}

/// Parsers for Hadoop's value syntaxes.
public enum ValueParsers {
    /// A local directory given as a path or a `file:` URI (`file:///a/b` and `file:/a/b` are
    /// `/a/b`); nil when empty, or a URI of another scheme or naming a host.
    public static func localDirectory(_ text: String) -> String? {
        var path = Substring(text)
        if path.hasPrefix("file://") {
            path = path.dropFirst(7)
            guard path.hasPrefix("/") else { return nil }
        } else if path.hasPrefix("file:") {
            path = path.dropFirst(5)
        } else if path.contains("://") {
            return nil
        }
        return path.isEmpty ? nil : String(path)
    }

    public static func byteCount(_ text: String) -> Int? {
        let lowered = text.lowercased()
        guard let last = lowered.last else { return nil }
        let shift: Int
        switch last {
        case "k": shift = 10
        case "m": shift = 20
        case "g": shift = 30
        case "t": shift = 40
        case "p": shift = 50
        case "e": shift = 60
        default: return Int(lowered)
        }
        guard let n = Int(lowered.dropLast()), n >= 0 else { return nil }
        let (product, overflow) = n.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : product
    }

    public static func duration(_ text: String, defaultUnit: Duration) -> Duration? {
        let lowered = text.lowercased()
        let digits = lowered.prefix { $0.isNumber }
        guard !digits.isEmpty, let n = Int64(digits) else { return nil }
        let unit = lowered.dropFirst(digits.count)
        switch unit {
        case "": return defaultUnit * n
        case "ns": return .nanoseconds(n)
        case "us": return .microseconds(n)
        case "ms": return .milliseconds(n)
        case "s": return .seconds(n)
        case "m": return .seconds(n * 60)
        case "h": return .seconds(n * 3600)
        case "d": return .seconds(n * 86_400)
        default: return nil
        }
    }

    public static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}
