/// The namespaces of HDFS's extended attribute names (XAttr.NameSpace, XAttrProto's numbers),
/// shared by the namenode's rules and the client's name parsing.
public enum XAttrNamespace: UInt32, Sendable, CaseIterable {
    case user = 0, trusted = 1, security = 2, system = 3, raw = 4

    /// The namespace a written prefix names, in any case ("USER" too), as XAttrHelper reads it.
    public init?(prefix: some StringProtocol) {
        guard let found = Self.allCases.first(where: { $0.prefix == prefix.lowercased() }) else { return nil }
        self = found
    }

    /// The prefix as names are written ("user" in "user.a").
    public var prefix: String {
        switch self {
        case .user: "user"
        case .trusted: "trusted"
        case .security: "security"
        case .system: "system"
        case .raw: "raw"
        }
    }
}
