#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import RFSConfig
import RFSModel

/// The configuration a libhdfs connection runs with: what every rfs command reads
/// (`Configuration.load`: Hadoop's XML files in `$HADOOP_CONF_DIR`, core-site.xml then
/// hdfs-site.xml, as Hadoop's client reads them; rfs's own `$RFS_CONF_DIR/rfs-site.conf` and
/// `RFS_…` variables), then the builder's `hdfsBuilderConfSetStr` keys, whose `${name}`
/// references expand like the files' (Hadoop's Configuration expands on every read).
enum ClientSettings {
    static func load(overrides: [(String, String)] = [], environment: [String: String]) throws -> Configuration {
        // Expanded once, after the builder's keys: a file's `${hadoop.tmp.dir}` sees the builder's.
        var configuration = try Configuration.load(files: [], environment: environment, flags: [], expand: false)
        for (key, value) in overrides { configuration.set(key, value, source: .flag) }
        return configuration.expandingVariables(environment: environment)
    }
}

/// What libhdfs callers name a namenode with, turned into the `hdfs://authority` the client
/// connects to. Pure.
enum NamenodeName {
    /// `nn` as libhdfs takes it: nil or "default" for fs.defaultFS; `hdfs://host[:port]` or
    /// `hdfs://nameservice`; a bare host or nameservice. `port` 0 means "not given".
    static func uri(nn: String?, port: UInt16, configuration: Configuration) throws(LibHDFSError) -> String {
        let name = (nn ?? "default").trimmingWhitespace()
        if name.isEmpty || name == "default" {
            guard let fallback = try? configuration.get(Keys.defaultFS) else {
                throw LibHDFSError(EINVAL, "java.lang.IllegalArgumentException: fs.defaultFS is not a valid URI")
            }
            // fs.defaultFS may itself be a bare authority in a hand-written file.
            return fallback.contains("://") ? try uri(nn: fallback, port: port, configuration: configuration)
                : try uri(nn: "hdfs://" + fallback, port: port, configuration: configuration)
        }
        var authority: Substring
        if let schemeEnd = name.range(of: "://") {
            let scheme = name[..<schemeEnd.lowerBound].lowercased()
            guard scheme == "hdfs" else {
                throw LibHDFSError(EINVAL, "java.io.IOException: No FileSystem for scheme \"\(scheme)\": rfs's libhdfs serves hdfs:// only")
            }
            authority = name[schemeEnd.upperBound...].prefix { $0 != "/" }
        } else {
            authority = Substring(name)
        }
        guard !authority.isEmpty else {
            throw LibHDFSError(EINVAL, "java.lang.IllegalArgumentException: no host in namenode name \(name)")
        }
        let nameservices = (try? configuration.get(Keys.nameservices)) ?? []
        if !authority.contains(":") && !nameservices.contains(String(authority)) {
            authority += ":\(port == 0 ? HDFSDefaults.namenodeRPCPort : Int(port))"
        }
        return "hdfs://\(authority)"
    }
}
