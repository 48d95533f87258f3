#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Configuration {
    /// The configuration a daemon or command runs with, lowest first:
    /// 1. Hadoop's site files in `$HADOOP_CONF_DIR`: core-site.xml, then hdfs-site.xml (as
    ///    Hadoop's own commands and clients read them), where they exist;
    /// 2. `files` in order (`-conf`, which Hadoop's generic options allow more than once), each
    ///    in Hadoop's XML or rfs's `key = value` format; with none, `$RFS_CONF_DIR/rfs-site.conf`
    ///    if that exists;
    /// 3. `RFS_…` environment variables;
    /// 4. `-D key=value` flags.
    /// Later ones win; then `${name}` in values is expanded as Hadoop does (`expandingVariables`),
    /// unless `expand` is false (a caller with a layer of its own above these expands once
    /// after it, so that the files' references see its values).
    public static func load(files: [String], environment: [String: String], flags: [String],
                            expand: Bool = true) throws(ConfigError) -> Configuration {
        var configuration = Configuration()
        if let directory = environment["HADOOP_CONF_DIR"], !directory.isEmpty {
            for name in ["core-site.xml", "hdfs-site.xml"] {
                let path = directory + "/" + name
                if FileManager.default.fileExists(atPath: path) { try configuration.read(file: path) }
            }
        }
        if files.isEmpty {
            if let directory = environment["RFS_CONF_DIR"], FileManager.default.fileExists(atPath: directory + "/rfs-site.conf") {
                try configuration.read(file: directory + "/rfs-site.conf")
            }
        } else {
            for file in files { try configuration.read(file: file) }
        }
        configuration.apply(environment: environment, knownKeys: Keys.all)
        for flag in flags { try configuration.apply(flag: flag) }
        return expand ? configuration.expandingVariables(environment: environment) : configuration
    }

    /// `load` with at most one file (`-conf` given once, or not).
    public static func load(file: String?, environment: [String: String], flags: [String]) throws(ConfigError) -> Configuration {
        try load(files: file.map { [$0] } ?? [], environment: environment, flags: flags)
    }

    /// Sets the keys of a file over the current ones: Hadoop's XML when it starts with `<`,
    /// else rfs's format.
    mutating func read(file path: String) throws(ConfigError) {
        let text: String
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw ConfigError.unreadable(path: path, reason: "not UTF-8 text")
            }
            text = decoded
        } catch let error as ConfigError {
            throw error
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        if HadoopXML.looksLikeXML(text) {
            for property in try HadoopXML.properties(in: text, path: path) {
                setHonouringDeprecation(property.name, property.value, source: .file(path: path, line: property.line))
            }
        } else {
            let parsed = try Configuration(parsing: text, path: path)
            for (key, entry) in parsed.entries { setHonouringDeprecation(key, entry.value, source: entry.source) }
        }
    }

    /// Hadoop's old names for keys rfs reads (its DeprecationDelta tables): setting one sets
    /// the current key too, as Hadoop's Configuration does.
    static let deprecatedKeys: [String: String] = [
        "fs.default.name": "fs.defaultFS",
        "dfs.block.size": "dfs.blocksize",
        "dfs.data.dir": "dfs.datanode.data.dir",
        "dfs.name.dir": "dfs.namenode.name.dir",
        "dfs.http.address": "dfs.namenode.http-address",
        "dfs.permissions": "dfs.permissions.enabled",
        "dfs.permissions.supergroup": "dfs.permissions.superusergroup",
        "dfs.umaskmode": "fs.permissions.umask-mode",
        "dfs.safemode.threshold.pct": "dfs.namenode.safemode.threshold-pct",
        "dfs.heartbeat.recheck.interval": "dfs.namenode.heartbeat.recheck-interval",
        "dfs.socket.timeout": "dfs.client.socket-timeout",
    ]

    mutating func setHonouringDeprecation(_ key: String, _ value: String, source: ConfigSource) {
        set(key, value, source: source)
        if let current = Self.deprecatedKeys[key] { set(current, value, source: source) }
    }

    /// Values with `${name}` replaced as Hadoop's Configuration does when a key is read:
    /// `${env.NAME}` by the environment variable (`${env.NAME:-fallback}` when it is unset or
    /// empty, `${env.NAME-fallback}` when unset), `${user.name}` by the user running this,
    /// any other name by that key's value. A reference that resolves to nothing is left as
    /// written; expansion stops after 20 rounds (a key that refers to itself).
    public func expandingVariables(environment: [String: String]) -> Configuration {
        var expanded = self
        for (key, entry) in entries where entry.value.contains("${") {
            expanded.entries[key]?.value = expand(entry.value, environment: environment)
        }
        return expanded
    }

    /// core-default.xml's values that site files refer to without setting them
    /// (`${hadoop.tmp.dir}/dfs/name`); a value's own `${user.name}` expands in the next round.
    static let coreDefaults = ["hadoop.tmp.dir": "/tmp/hadoop-${user.name}"]

    private func expand(_ text: String, environment: [String: String]) -> String {
        var value = text
        for _ in 0..<20 {
            // The innermost reference first: `${a${b}}` resolves b, then the result.
            guard let close = value.firstIndex(of: "}"),
                  let open = value[..<close].ranges(of: "${").last else { return value }
            let name = String(value[open.upperBound..<close])
            guard let replacement = resolve(name, environment: environment) else { return value }
            value.replaceSubrange(open.lowerBound...close, with: replacement)
        }
        return value
    }

    private func resolve(_ name: String, environment: [String: String]) -> String? {
        if name.hasPrefix("env.") {
            let reference = name.dropFirst(4)
            if let separator = reference.firstRange(of: ":-") {
                let variable = environment[String(reference[..<separator.lowerBound])] ?? ""
                return variable.isEmpty ? String(reference[separator.upperBound...]) : variable
            }
            if let dash = reference.firstIndex(of: "-") {
                return environment[String(reference[..<dash])] ?? String(reference[reference.index(after: dash)...])
            }
            return environment[String(reference)]
        }
        if name == "user.name" { return entries[name]?.value ?? ProcessInfo.processInfo.userName }
        return entries[name]?.value ?? Self.coreDefaults[name]
    }
}
