import Foundation
import RFSConfig
import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRaft
import Synchronization

/// The namenodes of an HA nameservice as the configuration names them, and which one this is.
///
/// HDFS's keys: `dfs.nameservices` (one nameservice), `dfs.ha.namenodes.<ns>` (its namenode
/// ids, in order), `dfs.namenode.rpc-address.<ns>.<id>` and `dfs.ha.namenode.id` (this one).
/// A namenode's Raft member id is derived from its namenode id (a hash of the name), so every
/// member and every client derives the same ids whatever the list's order, and a namenode
/// added to or removed from the list later keeps its id.
public struct HAMembership: Sendable, Equatable {
    public var nameservice: String
    public var members: [NamenodeEndpoint]
    public var selfIndex: Int

    public var selfID: String { members[selfIndex].id }
    public var selfAddress: HostPort { members[selfIndex].rpcAddress }
    public var selfRaftID: NodeID { Self.raftID(of: selfID) }

    /// The Raft id of the namenode named `name` in `dfs.ha.namenodes.<ns>` (never 0, which
    /// means "none" to Raft).
    public static func raftID(of name: String) -> NodeID { NamenodeEndpoint.raftMemberID(ofNamenode: name) }

    public func member(raftID: NodeID) -> NamenodeEndpoint? {
        members.first { Self.raftID(of: $0.id) == raftID }
    }

    /// The configured members as Raft peers.
    public var peers: [RaftNode.Peer] {
        members.map { RaftNode.Peer(id: Self.raftID(of: $0.id), address: $0.rpcAddress, name: $0.id) }
    }

    /// Nil when no nameservice lists two or more namenodes (a single namenode).
    public static func resolve(_ configuration: Configuration) throws -> HAMembership? {
        let services = try configuration.get(Keys.nameservices)
        let replicated = try services.filter { service in
            ((try configuration.get(Keys.haNamenodesPrefix + service, as: Keys.listShape)) ?? []).count > 1
        }
        guard let nameservice = replicated.first else { return nil }
        guard replicated.count == 1 else {
            throw ConfigError.invalidValue(key: Keys.nameservices.name, value: services.joined(separator: ","),
                                           source: configuration.source(of: Keys.nameservices.name),
                                           expected: "one HA nameservice (federation is not supported)")
        }
        let members = try configuration.namenodeEndpoints(forAuthority: nameservice)
        let selfID = try configuration.get(Keys.haNamenodeID)
        guard let selfIndex = members.firstIndex(where: { $0.id == selfID }) else {
            throw ConfigError.missing(key: Keys.haNamenodeID.name,
                                      expected: "which of \(members.map(\.id).joined(separator: ", ")) this namenode is")
        }
        return HAMembership(nameservice: nameservice, members: members, selfIndex: selfIndex)
    }

    /// The configuration with the generic keys a daemon binds to (`dfs.namenode.rpc-address`,
    /// `dfs.namenode.http-address`) set from this member's suffixed ones where those are given,
    /// as HDFS's namenode does, so one hdfs-site.xml serves every member.
    public static func resolvingAddresses(_ configuration: Configuration, membership: HAMembership?) throws -> Configuration {
        guard let membership else { return configuration }
        var resolved = configuration
        let suffix = "." + membership.nameservice + "." + membership.selfID
        resolved.set(Keys.namenodeRPCAddress.name, "\(membership.selfAddress)", source: configuration.source(of: Keys.namenodeRPCAddressPrefix + suffix.dropFirst()))
        let httpKey = Keys.namenodeHTTPAddress.name + suffix
        if let http = try configuration.get(httpKey, as: Keys.addressShape) {
            resolved.set(Keys.namenodeHTTPAddress.name, "\(http)", source: configuration.source(of: httpKey))
        }
        return resolved
    }

    /// The namespace's identity, the same on every member: derived from the nameservice and
    /// its members, so that each formats its first start alike (see `NamespaceEngine.openReplicated`).
    public func format(superuser: String, supergroup: String) -> Rfs_Namenode_Format {
        let seed = ([nameservice] + members.map { "\($0.id)=\($0.rpcAddress)" }).joined(separator: "\n")
        let high = Self.fnv1a(seed + "#cluster"), low = Self.fnv1a(seed + "#namespace")
        let namespaceID = 1 + low % UInt64(Int32.max - 1)
        return Rfs_Namenode_Format(namespaceID: namespaceID,
                                   clusterID: "CID-" + UUID(uuid: Self.uuidBytes(high, low)).uuidString.lowercased(),
                                   blockPoolID: "BP-\(namespaceID)-\(nameservice)-0", superuser: superuser, supergroup: supergroup)
    }

    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    static func uuidBytes(_ high: UInt64, _ low: UInt64) -> uuid_t {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // a version-4 shape, as HDFS's random cluster ids have
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])
    }
}

/// Whether this namenode serves clients now. A single namenode always does. A member of a
/// Raft group does while it leads *and* has applied its term's first entry: only then does its
/// namespace hold every edit an earlier leader committed. The others are standbys: they apply
/// the log and hear every datanode, so that one of them can take over at once.
///
/// Checked on every client call (cheap: three short locks); a change of state runs the
/// transition (`onChange`) right there, before the call that noticed it goes on.
public final class HAState: Sendable {
    public enum Service: Sendable, Equatable {
        case active, standby
    }

    public let membership: HAMembership?
    private let engine: NamespaceEngine
    private let onChange: @Sendable (_ active: Bool) -> Void
    /// The state last seen and the leader term it was for.
    private let last = Mutex<(active: Bool, term: UInt64)?>(nil)

    /// How long a standby holds a client call while the group has no active it can name
    /// (see `admit`), and how often it looks again meanwhile.
    public let holdWithoutActive: Duration
    static let holdPollInterval = Duration.milliseconds(20)
    /// Missed heartbeats (ticks) after which a standby stops naming its leader as the active.
    static let silentLeaderTicks = 3

    public init(membership: HAMembership?, engine: NamespaceEngine, holdWithoutActive: Duration = .zero,
                onChange: @escaping @Sendable (_ active: Bool) -> Void) {
        self.membership = membership
        self.engine = engine
        self.holdWithoutActive = holdWithoutActive
        self.onChange = onChange
    }

    public var isActive: Bool {
        guard let raft = engine.raft else { return true }
        let status = raft.leadership
        let active = status.role == .leader && status.leaderStartIndex > 0
            && engine.lastAppliedIndex >= status.leaderStartIndex
        let changed = last.withLock { last -> Bool in
            guard last?.active != active || (active && last?.term != status.term) else { return false }
            last = (active, status.term)
            return true
        }
        if changed { onChange(active) }
        return active
    }

    public var service: Service { isActive ? .active : .standby }

    /// Throws HDFS's StandbyException for a call a standby does not serve.
    public func checkActive(method: String) throws {
        guard !isActive else { return }
        throw Self.standby(method: method, leader: leaderDescription)
    }

    /// Lets a client call through on the active. A standby that cannot name a live active
    /// (its leader has missed heartbeats and an election is coming or under way, or it has
    /// just won one and is catching up) holds the call up to `holdWithoutActive`, then serves
    /// it if it has become the active, or answers StandbyException naming the new one.
    /// Answering at once would send the client into its fail-over back-off (Hadoop's shape
    /// doubles from 0.5 s), and it would come back well after the new active is ready.
    public func admit(method: String) async throws {
        if isActive || Self.uncheckedMethods.contains(method) { return }
        let deadline = ContinuousClock.now + holdWithoutActive
        while awaitingActive, ContinuousClock.now < deadline {
            try await Task.sleep(for: Self.holdPollInterval)
            if isActive { return }
        }
        throw Self.standby(method: method, leader: liveLeaderDescription)
    }

    /// True while this member knows of no live active: no leader, a silent one, or itself as
    /// a leader that has not applied its term's first entry yet.
    private var awaitingActive: Bool {
        guard let raft = engine.raft else { return false }
        let status = raft.status
        return status.leader == 0 || status.leader == raft.id || status.ticksSinceLeaderContact >= Self.silentLeaderTicks
    }

    /// The leader, unless it has gone silent (then naming it would send the client to a
    /// namenode that is probably gone).
    private var liveLeaderDescription: String? {
        guard let raft = engine.raft, raft.status.ticksSinceLeaderContact < Self.silentLeaderTicks else { return nil }
        return leaderDescription
    }

    /// "nn2 (127.0.0.1:8021)", or nil when no leader is known.
    public var leaderDescription: String? {
        guard let raft = engine.raft else { return nil }
        let status = raft.status
        guard let leader = status.members.first(where: { $0.id == status.leader }) else { return nil }
        return "\(leader.name) (\(leader.address))"
    }

    static func standby(method: String, leader: String?) -> HadoopRemoteError {
        let category = readMethods.contains(method) ? "READ" : "WRITE"
        return HadoopRemoteError(.standby, "Operation category \(category) is not supported in state standby"
            + (leader.map { "; the active namenode is \($0)" } ?? ""))
    }

    /// ClientProtocol methods HDFS serves in any state (OperationCategory.UNCHECKED).
    static let uncheckedMethods: Set<String> = ["getHAServiceState"]

    /// ClientProtocol methods HDFS files under OperationCategory.READ (for the message only).
    static let readMethods: Set<String> = [
        "getFileInfo", "getFileLinkInfo", "getLocatedFileInfo", "getListing", "getBlockLocations", "getContentSummary",
        "getQuotaUsage", "getPreferredBlockSize", "isFileClosed", "getStoragePolicies", "getServerDefaults",
        "getStats", "getFsStats", "getDatanodeReport", "getDatanodeStorageReport", "getLinkTarget", "msync",
        "listCorruptFileBlocks", "getSnapshottableDirListing", "getEnclosingRoot", "getStoragePolicy", "checkAccess", "getXAttrs", "listXAttrs", "getAclStatus",
    ]
}
