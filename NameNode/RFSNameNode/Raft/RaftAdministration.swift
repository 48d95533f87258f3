import RFSModel
import RFSNamespace
import RFSProtocol
import RFSRaft
import RFSRPC

/// RaftProtocol's administrative calls, answered by any member: the group's state for
/// `rfs dfsadmin -raftStatus` and `rfs haadmin`, leadership transfer for
/// `rfs haadmin -failover`, membership changes for `rfs haadmin -addNamenode/-removeNamenode`,
/// and the namespace identity for `rfs namenode -bootstrapStandby`.
struct RaftAdministration: Sendable {
    let node: RaftNode
    let membership: HAMembership
    let ha: HAState
    let engine: NamespaceEngine

    /// How long a transfer may take before it is reported failed (the core gives up after an
    /// election timeout by itself).
    static let transferTimeout = Duration.seconds(10)

    func register(into registry: inout RPCServiceRegistry) {
        let name = ProtocolNames.raftProtocol
        registry.register(protocol: name, method: "getRaftStatus") { [self] (_: Rfs_Raft_GetRaftStatusRequest, _: RPCCallContext) in
            status()
        }
        registry.register(protocol: name, method: "transferLeadership") { [self] (request: Rfs_Raft_TransferLeadershipRequest, _: RPCCallContext) in
            guard node.status.members.contains(where: { $0.id == request.targetID && !$0.learner }) else {
                throw HadoopRemoteError(.illegalArgument, "no member \(request.targetID) in nameservice \(membership.nameservice)")
            }
            do {
                try await node.transferLeadership(to: request.targetID, timeout: Self.transferTimeout)
            } catch RaftNode.ProposalError.notLeader(let leader) {
                let named = node.status.members.first { $0.id == leader }.map { "\($0.name) (\($0.address))" } ?? "not known"
                throw HadoopRemoteError(.standby, "only the active namenode hands leadership over; the active is \(named)")
            } catch {
                throw HadoopRemoteError(.ioException, "leadership transfer to \(request.targetID) failed: \(error)")
            }
            var response = Rfs_Raft_TransferLeadershipResponse()
            response.leaderID = node.status.leader
            response.term = node.status.term
            return response
        }
        registry.register(protocol: name, method: "changeMembership") { [self] (request: Rfs_Raft_ChangeMembershipRequest, _: RPCCallContext) in
            try await changeMembership(request)
        }
        registry.register(protocol: name, method: "getNamespaceFormat") { [self] (_: Rfs_Raft_GetNamespaceFormatRequest, _: RPCCallContext) in
            try namespaceFormat()
        }
    }

    func status() -> Rfs_Raft_GetRaftStatusResponse {
        let status = node.status
        var response = Rfs_Raft_GetRaftStatusResponse()
        response.id = node.id
        response.role = switch status.role {
        case .leader: "leader"
        case .follower: "follower"
        case .candidate: "candidate"
        case .preCandidate: "pre-candidate"
        }
        response.active = ha.isActive
        response.term = status.term
        response.leaderID = status.leader
        response.commitIndex = status.commitIndex
        response.appliedIndex = engine.lastAppliedIndex
        response.lastIndex = status.lastIndex
        response.leaderChanges = status.leaderChanges
        response.members = Self.memberStatuses(status, selfID: node.id)
        return response
    }

    static func memberStatuses(_ status: RaftNodeStatus, selfID: NodeID) -> [Rfs_Raft_MemberStatus] {
        status.members.sorted { $0.name < $1.name }.map { known in
            var member = Rfs_Raft_MemberStatus()
            member.id = known.id
            member.name = known.name
            member.rpcAddress = "\(known.address)"
            member.learner = known.learner
            if let replication = status.replication[known.id] {
                member.matchIndex = replication.match
                member.lag = status.lastIndex > replication.match ? status.lastIndex - replication.match : 0
                member.recentlyActive = replication.recentlyActive || known.id == selfID
            }
            return member
        }
    }

    /// `rfs haadmin -addNamenode` / `-removeNamenode`, on the active: one change at a time.
    func changeMembership(_ request: Rfs_Raft_ChangeMembershipRequest) async throws -> Rfs_Raft_ChangeMembershipResponse {
        guard ha.isActive else {
            throw HadoopRemoteError(.standby, "only the active namenode changes the group; the active is \(ha.leaderDescription ?? "not known")")
        }
        let name = request.name
        guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "\n" }) else {
            throw HadoopRemoteError(.illegalArgument, "a namenode id without spaces is needed, not '\(name)'")
        }
        let id = HAMembership.raftID(of: name)
        do {
            switch request.action {
            case .add:
                guard let address = HostPort(parsing: request.rpcAddress), address.port > 0 else {
                    throw HadoopRemoteError(.illegalArgument, "'\(request.rpcAddress)' is not the host:port of \(name)'s RPC server")
                }
                try await node.addMember(RaftMember(id: id, name: name, address: address), catchUpTimeout: Self.catchUpTimeout)
            case .remove:
                guard node.status.members.contains(where: { $0.id == id }) else {
                    throw HadoopRemoteError(.illegalArgument, "\(name) is not a member of nameservice \(membership.nameservice)")
                }
                let remaining = node.status.members.filter { !$0.learner && $0.id != id }.count
                guard remaining >= 1 else { throw HadoopRemoteError(.illegalArgument, "the group cannot remove its last voter") }
                try await node.removeMember(id)
            case .UNRECOGNIZED(let value):
                throw HadoopRemoteError(.illegalArgument, "unknown membership action \(value)")
            }
        } catch let error as HadoopRemoteError {
            throw error
        } catch RaftNode.ProposalError.notLeader {
            throw HadoopRemoteError(.standby, "only the active namenode changes the group; the active is \(ha.leaderDescription ?? "not known")")
        } catch {
            throw HadoopRemoteError(.ioException, "changing the group failed: \(error)")
        }
        var response = Rfs_Raft_ChangeMembershipResponse()
        response.members = Self.memberStatuses(node.status, selfID: node.id)
        return response
    }

    /// How long an added namenode may take to catch up before it is left a learner.
    static let catchUpTimeout = Duration.seconds(300)

    /// The namespace's identity as the group's first entry formatted it, for a namenode
    /// joining with `rfs namenode -bootstrapStandby` (any member answers: every store has it).
    func namespaceFormat() throws -> Rfs_Raft_GetNamespaceFormatResponse {
        guard let counters = try engine.reads.counters() else {
            throw HadoopRemoteError(.ioException, "this namenode's namespace is not formatted yet")
        }
        let format = Rfs_Namenode_Format(namespaceID: counters.namespaceID, clusterID: counters.clusterID,
                                         blockPoolID: counters.blockPoolID, superuser: counters.superuser,
                                         supergroup: engine.machine.configuration.superGroup)
        var edit = Rfs_Namenode_Edit()
        edit.caller.user = counters.superuser
        edit.operation = .format(format)
        var response = Rfs_Raft_GetNamespaceFormatResponse()
        response.formatEdit = try edit.serializedBytes()
        return response
    }
}
