import RFSConfig
import RFSNameNode
import Testing

@Suite("Proxy users: who may act for whom, from where")
struct ProxyUsersTests {
    static func rules(_ pairs: [(String, String)]) -> ProxyUsers {
        var configuration = Configuration()
        for (key, value) in pairs { configuration.set(key, value) }
        return ProxyUsers(configuration: configuration)
    }

    static func groups(_ user: String) -> [String] { user == "dana" ? ["analysts", "staff"] : [] }

    @Test("without rules nobody may impersonate anyone")
    func noRules() {
        #expect(Self.rules([]).refusal(realUser: "hue", effectiveUser: "bob", address: "10.0.0.1", groups: Self.groups)
            == "User: hue is not allowed to impersonate bob")
    }

    @Test("users and groups say whom, hosts say from where")
    func usersGroupsHosts() {
        let proxy = Self.rules([("hadoop.proxyuser.hue.users", "bob, carol"), ("hadoop.proxyuser.hue.groups", "analysts"),
                                ("hadoop.proxyuser.hue.hosts", "10.1.0.0/16,192.168.5.7, localhost"),
                                ("hadoop.proxyuser.knox.users", "*"), ("hadoop.proxyuser.knox.hosts", "*")])
        func refusal(_ real: String, _ effective: String, _ address: String) -> String? {
            proxy.refusal(realUser: real, effectiveUser: effective, address: address, groups: Self.groups)
        }
        #expect(refusal("hue", "bob", "10.1.200.3") == nil)
        #expect(refusal("hue", "dana", "192.168.5.7") == nil)          // by group
        #expect(refusal("hue", "carol", "127.0.0.1") == nil)
        #expect(refusal("hue", "erin", "10.1.0.1") == "User: hue is not allowed to impersonate erin")
        #expect(refusal("hue", "bob", "10.2.0.1") == "Unauthorized connection for super-user: hue from IP 10.2.0.1")
        #expect(refusal("hue", "bob", "192.168.5.8") != nil)
        #expect(refusal("knox", "anyone", "203.0.113.9") == nil)
        #expect(refusal("bob", "hue", "10.1.0.1") != nil)
    }

    @Test("CIDR ranges match by prefix; malformed ones match nothing")
    func ranges() {
        #expect(ProxyUsers.host("0.0.0.0/0", matches: "8.8.8.8"))
        #expect(ProxyUsers.host("10.0.0.0/8", matches: "10.255.1.2"))
        #expect(!ProxyUsers.host("10.0.0.0/8", matches: "11.0.0.1"))
        #expect(!ProxyUsers.host("10.0.0.0/33", matches: "10.0.0.1"))
        #expect(!ProxyUsers.host("10.0.0/8", matches: "10.0.0.1"))
        #expect(!ProxyUsers.host("10.0.0.0/8", matches: "::1"))
    }
}
