import RFSModel
import RFSProtocol
import RFSRaft
import RFSRPC

/// RaftProtocol's administrative calls, answered by any member: the group's state for
/// `rfs dfsadmin -raftStatus` and `rfs haadmin`, and leadership transfer for
/// `rfs haadmin -failover`.
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
            guard membership.member(raftID: request.targetID) != nil else {
                throw HadoopRemoteError(.illegalArgument, "no member \(request.targetID) in nameservice \(membership.nameservice)")
            }
            do {
                try await node.transferLeadership(to: request.targetID, timeout: Self.transferTimeout)
            } catch RaftNode.ProposalError.notLeader(let leader) {
                let named = membership.member(raftID: leader).map { "\($0.id) (\($0.rpcAddress))" } ?? "not known"
                throw HadoopRemoteError(.standby, "only the active namenode hands leadership over; the active is \(named)")
            } catch {
                throw HadoopRemoteError(.ioException, "leadership transfer to \(request.targetID) failed: \(error)")
            }
            var response = Rfs_Raft_TransferLeadershipResponse()
            response.leaderID = node.status.leader
            response.term = node.status.term
            return response
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
        response.members = membership.members.enumerated().map { position, endpoint in
            let id = HAMembership.raftID(ofPosition: position)
            var member = Rfs_Raft_MemberStatus()
            member.id = id
            member.name = endpoint.id
            member.rpcAddress = "\(endpoint.rpcAddress)"
            if let replication = status.replication[id] {
                member.matchIndex = replication.match
                member.lag = status.lastIndex > replication.match ? status.lastIndex - replication.match : 0
                member.recentlyActive = replication.recentlyActive || id == node.id
            }
            return member
        }
        return response
    }
}
