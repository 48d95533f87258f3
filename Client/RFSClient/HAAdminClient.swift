import NIOCore
import NIOPosix
import RFSConfig
import RFSModel
import RFSProtocol
import RFSRPC
import SwiftProtobuf

/// What `rfs haadmin` and `rfs dfsadmin -raftStatus` ask each namenode of an HA nameservice,
/// one namenode at a time (no fail-over: the point is to hear from that one).
public struct HAAdminClient: Sendable {
    public let nameservice: String
    public let namenodes: [NamenodeEndpoint]
    private let user: String

    public enum ServiceState: String, Sendable {
        case active, standby, observer, initializing
    }

    /// The namenodes of `nameservice`, or of the only HA nameservice the configuration names
    /// (fs.defaultFS's first).
    public init(configuration: Configuration, nameservice requested: String?, user: String) throws {
        let services = try configuration.get(Keys.nameservices)
        var chosen = requested
        if chosen == nil {
            let authority = (try? FileSystemURI(parsing: (try? configuration.get(Keys.defaultFS)) ?? ""))?.authority
            chosen = authority.flatMap { services.contains($0) ? $0 : nil } ?? services.first
        }
        guard let nameservice = chosen, services.contains(nameservice) else {
            throw HAAdminError.noNameservice(requested)
        }
        self.nameservice = nameservice
        self.namenodes = try configuration.namenodeEndpoints(forAuthority: nameservice)
        self.user = user
    }

    public func endpoint(named id: String) throws -> NamenodeEndpoint {
        guard let endpoint = namenodes.first(where: { $0.id == id }) else {
            throw HAAdminError.unknownNamenode(id, nameservice: nameservice, known: namenodes.map(\.id))
        }
        return endpoint
    }

    public func serviceState(of endpoint: NamenodeEndpoint) async throws -> ServiceState {
        let status = try await call(endpoint, protocolName: ProtocolNames.haServiceProtocol, "getServiceStatus",
                                    Hadoop_Common_GetServiceStatusRequestProto(), returning: Hadoop_Common_GetServiceStatusResponseProto.self)
        return switch status.state {
        case .active: .active
        case .standby: .standby
        case .observer: .observer
        case .initializing: .initializing
        }
    }

    public func checkHealth(of endpoint: NamenodeEndpoint) async throws {
        _ = try await call(endpoint, protocolName: ProtocolNames.haServiceProtocol, "monitorHealth",
                           Hadoop_Common_MonitorHealthRequestProto(), returning: Hadoop_Common_MonitorHealthResponseProto.self)
    }

    public func raftStatus(of endpoint: NamenodeEndpoint) async throws -> Rfs_Raft_GetRaftStatusResponse {
        try await call(endpoint, protocolName: ProtocolNames.raftProtocol, "getRaftStatus", Rfs_Raft_GetRaftStatusRequest(),
                       returning: Rfs_Raft_GetRaftStatusResponse.self)
    }

    /// Asks the active `from` to hand leadership to `to`; returns once `to` leads.
    public func failover(from: NamenodeEndpoint, to: NamenodeEndpoint) async throws {
        var request = Rfs_Raft_TransferLeadershipRequest()
        request.targetID = to.raftMemberID
        _ = try await call(from, protocolName: ProtocolNames.raftProtocol, "transferLeadership", request,
                           returning: Rfs_Raft_TransferLeadershipResponse.self, timeout: .seconds(20))
    }

    /// Asks the active (found among the nameservice's namenodes) to add `endpoint` to the group,
    /// or to remove it; returns the group once the change is applied. Adding waits for the
    /// new namenode to catch up (it joins as a learner first).
    public func changeMembership(adding: Bool, _ endpoint: NamenodeEndpoint) async throws -> [Rfs_Raft_MemberStatus] {
        var request = Rfs_Raft_ChangeMembershipRequest()
        request.action = adding ? .add : .remove
        request.name = endpoint.id
        request.rpcAddress = "\(endpoint.rpcAddress)"
        let active = try await self.active()
        return try await call(active, protocolName: ProtocolNames.raftProtocol, "changeMembership", request,
                              returning: Rfs_Raft_ChangeMembershipResponse.self, timeout: .seconds(330)).members
    }

    /// The namenode that says it is active (asked in the configuration's order).
    public func active() async throws -> NamenodeEndpoint {
        for endpoint in namenodes where (try? await serviceState(of: endpoint)) == .active { return endpoint }
        throw HAAdminError.noActive(nameservice: nameservice)
    }

    private func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ endpoint: NamenodeEndpoint, protocolName: String, _ method: String, _ request: Request, returning: Response.Type,
        timeout: Duration = .seconds(10)
    ) async throws -> Response {
        var configuration = RPCClientConfiguration(addresses: [endpoint.rpcAddress], user: user, protocolName: protocolName)
        configuration.maxRetries = 0
        configuration.maxFailovers = 0
        configuration.connectTimeout = .seconds(5)
        configuration.callTimeout = timeout
        let client = RPCClient(configuration: configuration, group: MultiThreadedEventLoopGroup.singleton)
        do {
            let response = try await client.call(method, request, returning: Response.self, idempotent: true)
            await client.close()
            return response
        } catch {
            await client.close()
            throw error
        }
    }
}

public enum HAAdminError: Error, CustomStringConvertible {
    case noNameservice(String?)
    case unknownNamenode(String, nameservice: String, known: [String])
    case noActive(nameservice: String)

    public var description: String {
        switch self {
        case .noNameservice(let requested):
            requested.map { "nameservice \($0) is not in dfs.nameservices" }
                ?? "no HA nameservice is configured (dfs.nameservices, dfs.ha.namenodes.<ns>)"
        case .unknownNamenode(let id, let nameservice, let known):
            "Unable to determine service address for namenode '\(id)' of nameservice \(nameservice) (known: \(known.joined(separator: ", ")))"
        case .noActive(let nameservice):
            "no namenode of nameservice \(nameservice) says it is active"
        }
    }
}
