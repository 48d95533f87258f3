import RFSClient
import RFSConfig
import RFSModel
import Synchronization

/// One rfs client per (namenode, user), kept open across requests: WebHDFS acts as the
/// `user.name` of each request, and the client's RPC connection is per user. The pool is
/// bounded; past the bound the oldest client is closed.
public final class FileSystemPool: Sendable {
    struct Key: Hashable {
        var namenodes: [HostPort]
        var user: String
        var realUser: String?
    }

    private let clients = Mutex<[(key: Key, fileSystem: FileSystem)]>([])
    private let configuration: Configuration
    private let capacity: Int

    public init(configuration: Configuration, capacity: Int = 64) {
        // A request's permission is applied as given (HDFS's WebHDFS passes it to the
        // namenode unmasked, and creates through a client with umask 000): REST clients apply
        // their own umask before they ask.
        var configuration = configuration
        configuration.set(Keys.umaskMode.name, "000")
        self.configuration = configuration
        self.capacity = capacity
    }

    /// The client for `user` on `namenodes` (connecting as `realUser` acting for `user`, when
    /// given), made on first use.
    public func fileSystem(namenodes: [HostPort], user: String, realUser: String? = nil) throws -> FileSystem {
        let key = Key(namenodes: namenodes, user: user, realUser: realUser)
        var evicted: FileSystem?
        let fileSystem = try clients.withLock { clients throws -> FileSystem in
            if let index = clients.firstIndex(where: { $0.key == key }) {
                let entry = clients.remove(at: index)
                clients.append(entry)
                return entry.fileSystem
            }
            let made = try FileSystem(namenodes: namenodes, user: user, realUser: realUser, configuration: configuration)
            clients.append((key, made))
            if clients.count > capacity { evicted = clients.removeFirst().fileSystem }
            return made
        }
        if let evicted { Task { await evicted.close() } }
        return fileSystem
    }

    public func closeAll() async {
        let all = clients.withLock { clients in
            defer { clients = [] }
            return clients.map(\.fileSystem)
        }
        for fileSystem in all { await fileSystem.close() }
    }
}
