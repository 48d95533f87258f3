#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Configuration {
    /// The configuration a daemon or command runs with: `file` (or, when nil,
    /// `$RFS_CONF_DIR/rfs-site.conf` if that exists), then `RFS_…` environment variables,
    /// then `-D key=value` flags, later ones winning.
    public static func load(file: String?, environment: [String: String], flags: [String]) throws(ConfigError) -> Configuration {
        var configuration = Configuration()
        let path = file ?? environment["RFS_CONF_DIR"].map { $0 + "/rfs-site.conf" }
        if let path, file != nil || FileManager.default.fileExists(atPath: path) {
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
            configuration = try Configuration(parsing: text, path: path)
        }
        configuration.apply(environment: environment, knownKeys: Keys.all)
        for flag in flags { try configuration.apply(flag: flag) }
        return configuration
    }
}
