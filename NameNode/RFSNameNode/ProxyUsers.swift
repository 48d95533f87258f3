import RFSConfig

/// Hadoop's proxy users (DefaultImpersonationProvider): `hadoop.proxyuser.<real>.users` and
/// `.groups` say whom `<real>` may act for (comma lists, `*` for anyone), `.hosts` where it may
/// connect from (IP addresses, IPv4 CIDR ranges such as 10.0.0.0/8, `localhost`, or `*`).
/// Without rules for a user, it may impersonate no one. Pure: groups come in as a function.
public struct ProxyUsers: Sendable {
    struct Rule: Sendable {
        var users: Set<String> = []
        var groups: Set<String> = []
        var hosts: [String] = []
    }

    private let rules: [String: Rule]

    public init(configuration: Configuration) {
        var rules: [String: Rule] = [:]
        let prefix = "hadoop.proxyuser."
        for key in configuration.keys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            guard let dot = rest.lastIndex(of: ".") else { continue }
            let user = String(rest[..<dot])
            let values = (configuration.raw(key) ?? "").split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            switch rest[rest.index(after: dot)...] {
            case "users": rules[user, default: Rule()].users.formUnion(values)
            case "groups": rules[user, default: Rule()].groups.formUnion(values)
            case "hosts": rules[user, default: Rule()].hosts += values
            default: continue
            }
        }
        self.rules = rules
    }

    /// nil when `realUser` may act as `effectiveUser` from `address`, else the refusal
    /// Hadoop's AuthorizationException carries.
    public func refusal(realUser: String, effectiveUser: String, address: String,
                        groups: (String) -> [String]) -> String? {
        let denied = "User: \(realUser) is not allowed to impersonate \(effectiveUser)"
        guard let rule = rules[realUser] else { return denied }
        let allowed = rule.users.contains("*") || rule.users.contains(effectiveUser) || rule.groups.contains("*")
            || (!rule.groups.isEmpty && !rule.groups.isDisjoint(with: groups(effectiveUser)))
        guard allowed else { return denied }
        guard rule.hosts.contains(where: { Self.host($0, matches: address) }) else {
            return "Unauthorized connection for super-user: \(realUser) from IP \(address)"
        }
        return nil
    }

    public static func host(_ pattern: String, matches address: String) -> Bool {
        if pattern == "*" || pattern == address { return true }
        if pattern == "localhost" { return address == "127.0.0.1" || address == "::1" }
        guard let slash = pattern.firstIndex(of: "/"), let bits = Int(pattern[pattern.index(after: slash)...]), (0...32).contains(bits),
              let network = ipv4(pattern[..<slash]), let host = ipv4(Substring(address)) else { return false }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return network & mask == host & mask
    }

    private static func ipv4(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }
}
