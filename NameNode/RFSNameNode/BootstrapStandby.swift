import Foundation
import Logging
import NIOCore
import RFSConfig
import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRaft
import RFSRPC

/// `rfs namenode -bootstrapStandby`, HDFS's way to prepare a namenode for a running HA
/// nameservice: this namenode's empty name directory gets the group's namespace identity (the
/// same first log entry every member has) and the group's membership as it is now, asked of
/// the other namenodes the configuration lists. Started afterwards, the namenode is no voter:
/// `rfs haadmin -addNamenode <id>` on the active adds it (a learner until it has caught up,
/// by the log or by a snapshot of the namespace).
public enum BootstrapStandby {
    public enum Failure: Error, CustomStringConvertible {
        case notHA
        case alreadyFormatted(String)
        case noAnswer(String)

        public var description: String {
            switch self {
            case .notHA: "-bootstrapStandby needs an HA nameservice (dfs.nameservices, dfs.ha.namenodes.<ns>, dfs.ha.namenode.id)"
            case .alreadyFormatted(let directory): "\(directory) already holds a namespace; -bootstrapStandby -force erases it first"
            case .noAnswer(let why): "no other namenode of the nameservice answered: \(why)"
            }
        }
    }

    public static func run(configuration: Configuration, force: Bool, group: EventLoopGroup, logger: Logger) async throws {
        guard let membership = try HAMembership.resolve(configuration) else { throw Failure.notHA }
        let directory = try configuration.get(Keys.namenodeNameDir)
        let files = FileManager.default
        if files.fileExists(atPath: directory + "/raft") || files.fileExists(atPath: directory + "/namespace/CURRENT") {
            guard force else { throw Failure.alreadyFormatted(directory) }
            try files.removeItem(atPath: directory)
        }
        let (formatEdit, status) = try await askTheGroup(membership, group: group, logger: logger)
        let members = status.members.compactMap { member -> RaftMember? in
            guard let address = HostPort(parsing: member.rpcAddress) else { return nil }
            return RaftMember(id: member.id, name: member.name, address: address, learner: member.learner)
        }
        try files.createDirectory(atPath: directory + "/raft", withIntermediateDirectories: true)
        try RaftMembersFile.save(members, to: directory + "/raft")
        var namespace = NamespaceConfiguration()
        namespace.superGroup = try configuration.get(Keys.superGroup)
        let engine = try await NamespaceEngine.openReplicated(
            directory: directory, configuration: namespace, format: formatEdit,
            raft: RaftConfiguration(id: membership.selfRaftID, seed: 1), peers: membership.peers, group: group, logger: logger)
        try await engine.close()
        logger.notice("bootstrapped from the nameservice's group", metadata: [
            "directory": "\(directory)", "members": "\(members.map(\.name))",
        ])
    }

    /// The group's first entry (its namespace identity) and its membership, from the first
    /// other namenode that answers.
    static func askTheGroup(_ membership: HAMembership, group: EventLoopGroup,
                            logger: Logger) async throws -> (Rfs_Namenode_Edit, Rfs_Raft_GetRaftStatusResponse) {
        var failures: [String] = []
        for endpoint in membership.members where endpoint.id != membership.selfID {
            let client = RPCClient(configuration: .raftPeer(endpoint.rpcAddress, connectTimeout: .seconds(5), callTimeout: .seconds(30)),
                                   group: group, logger: logger)
            defer { Task { await client.close() } }
            do {
                let format = try await client.call("getNamespaceFormat", Rfs_Raft_GetNamespaceFormatRequest(),
                                                   returning: Rfs_Raft_GetNamespaceFormatResponse.self, idempotent: true)
                let status = try await client.call("getRaftStatus", Rfs_Raft_GetRaftStatusRequest(),
                                                   returning: Rfs_Raft_GetRaftStatusResponse.self, idempotent: true)
                return (try Rfs_Namenode_Edit(serializedBytes: format.formatEdit), status)
            } catch {
                failures.append("\(endpoint.id) (\(endpoint.rpcAddress)): \(error)")
            }
        }
        throw Failure.noAnswer(failures.joined(separator: "; "))
    }
}
