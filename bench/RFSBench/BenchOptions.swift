import Foundation

/// `rfs bench`'s arguments, parsed as Hadoop's benchmarks take them: single-dash options
/// (`-threads 64`; `--threads` is accepted too), flags without values. Pure.
public struct BenchArguments: Sendable, Equatable {
    public var subcommand: String
    public var options: [String: String] = [:]
    public var flags: Set<String> = []
    public var positional: [String] = []

    public static let usage = """
        Usage: rfs bench nn -op create|mkdirs|open|fileStatus|rename|delete|blockReport|all [-threads N] [-files N] [-dirs N] [-keepResults]
               rfs bench io -write|-read|-mixed [-files N] [-size S|small] [-threads N] [-replication R] [-bufferSize B] [-tcp]
               rfs bench all [-smoke] [-threads N] [-noEtcd] [-namenodes N]
               rfs bench compare a.json b.json
        Common: [-fs hdfs://host:port|hdfs://<nameservice> [-conf FILE] [-D key=value] [-metrics host:port,...]]
                [-duration 10s] [-dir DIR] [-json FILE]
        Without -fs, nn, io and all start their own rfs minicluster (1 namenode, 3 datanodes) under -dir.
        """

    /// Options that take a value; everything else starting with '-' is a flag.
    static let valued: Set<String> = ["op", "threads", "files", "dirs", "size", "replication", "bufferSize", "fs", "conf", "D",
                                      "metrics", "duration", "dir", "json", "namenodes", "blocksPerReport"]
    static let knownFlags: Set<String> = ["keepResults", "write", "read", "mixed", "smoke", "noEtcd", "help", "tcp"]

    public static func parse(_ arguments: [String]) throws -> BenchArguments {
        guard let first = arguments.first else { throw BenchUsageError("rfs bench: name a benchmark") }
        guard ["nn", "io", "all", "compare"].contains(first) else { throw BenchUsageError("rfs bench: unknown benchmark '\(first)'") }
        var parsed = BenchArguments(subcommand: first)
        var index = 1
        var definitions: [String] = []
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("-"), argument.count > 1 else {
                parsed.positional.append(argument)
                continue
            }
            let name = String(argument.drop { $0 == "-" })
            if valued.contains(name) {
                guard index < arguments.count else { throw BenchUsageError("rfs bench: \(argument) needs a value") }
                if name == "D" { definitions.append(arguments[index]) } else { parsed.options[name] = arguments[index] }
                index += 1
            } else if knownFlags.contains(name) {
                parsed.flags.insert(name)
            } else {
                throw BenchUsageError("rfs bench: unknown option \(argument)")
            }
        }
        if !definitions.isEmpty { parsed.options["D"] = definitions.joined(separator: "\n") }
        return parsed
    }

    public func int(_ name: String, default value: Int, range: ClosedRange<Int> = 1...Int.max) throws -> Int {
        guard let text = options[name] else { return value }
        guard let number = Int(text.replacingOccurrences(of: "_", with: "")), range.contains(number) else {
            throw BenchUsageError("rfs bench: -\(name) takes a whole number in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return number
    }

    public func duration(default value: Duration?) throws -> Duration? {
        guard let text = options["duration"] else { return value }
        guard let parsed = Self.parseDuration(text) else {
            throw BenchUsageError("rfs bench: -duration takes a time such as 30s, 2m or 500ms, not '\(text)'")
        }
        return parsed
    }

    /// `500ms`, `10s`, `2m`, or a plain number of seconds.
    public static func parseDuration(_ text: String) -> Duration? {
        let lower = text.lowercased()
        for (suffix, millis) in [("ms", 1.0), ("s", 1000.0), ("m", 60_000.0), ("h", 3_600_000.0)] where lower.hasSuffix(suffix) {
            guard let number = Double(lower.dropLast(suffix.count)), number > 0 else { return nil }
            return .milliseconds(Int64(number * millis))
        }
        guard let seconds = Double(lower), seconds > 0 else { return nil }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// `4096`, `64k`, `128m`, `1g` (also `KiB`/`MB` spellings; binary units).
    public static func parseSize(_ text: String) -> Int? {
        var lower = text.lowercased()
        for unit in ["ib", "b"] where lower.hasSuffix(unit) && lower.count > unit.count && Double(lower) == nil {
            lower.removeLast(unit.count)
            break
        }
        for (suffix, shift) in [("k", 10), ("m", 20), ("g", 30)] where lower.hasSuffix(suffix) {
            guard let number = Double(lower.dropLast()), number > 0 else { return nil }
            return Int(number * Double(1 << shift))
        }
        guard let bytes = Int(lower), bytes > 0 else { return nil }
        return bytes
    }
}
