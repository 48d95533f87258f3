import Logging
import RFSModel
import Synchronization

/// The namenodes this datanode serves, each with its heartbeat loop: the configuration's at
/// start, then the Raft group's as its active reports it in heartbeat answers. A namenode
/// added to the group (`rfs haadmin -addNamenode`) is registered with and sent a full block
/// report without restarting the datanode, so it knows every replica before it can become
/// the active; one removed is let go.
public final class NamenodeSet: Sendable {
    private struct Member {
        var connection: NamenodeConnection
        var heartbeats: Task<Void, Never>
    }

    private let members = Mutex<[Member]>([])
    private let connect: @Sendable (HostPort) -> NamenodeConnection
    private let logger: Logger

    init(addresses: [HostPort], logger: Logger, connect: @escaping @Sendable (HostPort) -> NamenodeConnection) {
        self.connect = connect
        self.logger = logger
        for address in addresses { add(address) }
    }

    /// The namenodes now, in the order they were added.
    public var current: [NamenodeConnection] { members.withLock { $0.map(\.connection) } }

    private func add(_ address: HostPort) {
        let connection = connect(address)
        connection.membersObserver.withLock { $0 = { [weak self] in self?.follow($0) } }
        let added = members.withLock { members -> Bool in
            guard !members.contains(where: { $0.connection.address == address }) else { return false }
            members.append(Member(connection: connection, heartbeats: Task { await connection.runHeartbeats() }))
            return true
        }
        if !added { connection.membersObserver.withLock { $0 = nil } }
    }

    /// The group as its active reports it: connects to members not served yet and stops
    /// serving namenodes that are no longer members.
    func follow(_ addresses: [HostPort]) {
        let known = Set(current.map(\.address))
        for address in addresses where !known.contains(address) {
            logger.notice("serving a namenode added to the group", metadata: ["namenode": "\(address)"])
            add(address)
        }
        let wanted = Set(addresses)
        let dropped = members.withLock { members -> [Member] in
            let gone = members.filter { !wanted.contains($0.connection.address) }
            members.removeAll { !wanted.contains($0.connection.address) }
            return gone
        }
        for member in dropped {
            logger.notice("no longer serving a namenode removed from the group", metadata: ["namenode": "\(member.connection.address)"])
            member.heartbeats.cancel()
        }
    }

    /// Stops every heartbeat loop; returns them to be awaited.
    func stop() -> [Task<Void, Never>] {
        members.withLock { members in
            let loops = members.map(\.heartbeats)
            for loop in loops { loop.cancel() }
            return loops
        }
    }
}
