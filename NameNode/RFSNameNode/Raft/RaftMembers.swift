import Foundation
import RFSModel
import RFSRaft

/// One member of the group as the shell knows it: its Raft id, its namenode id
/// (`dfs.ha.namenodes.<ns>`) and RPC address, and whether it only learns (is being added).
public struct RaftMember: Sendable, Hashable {
    public var id: NodeID
    public var name: String
    public var address: HostPort
    public var learner: Bool

    public init(id: NodeID, name: String, address: HostPort, learner: Bool = false) {
        self.id = id
        self.name = name
        self.address = address
        self.learner = learner
    }

    /// What a membership change's entry carries after the change itself: the name and
    /// address, so that every member can reach a namenode its configuration does not list.
    var context: [UInt8] { Array("\(name) \(address)".utf8) }

    init?(id: NodeID, context: [UInt8], learner: Bool) {
        let fields = String(decoding: context, as: UTF8.self).split(separator: " ")
        guard fields.count == 2, let address = HostPort(parsing: String(fields[1])) else { return nil }
        self.init(id: id, name: String(fields[0]), address: address, learner: learner)
    }
}

/// The group's membership as of the last change this member applied, kept in `raft/members`
/// (one line per member: id, name, address, `voter` or `learner`), so that a restart uses it
/// rather than the configuration, which names the members the group started with.
enum RaftMembersFile {
    static func path(in directory: String) -> String { directory + "/members" }

    static func load(from directory: String) throws -> [RaftMember]? {
        let file = path(in: directory)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let fields = line.split(separator: " ")
            guard fields.count == 4, let id = NodeID(fields[0]), let address = HostPort(parsing: String(fields[2])),
                  fields[3] == "voter" || fields[3] == "learner" else {
                throw NamespaceSnapshotError.badDirectory("\(file): '\(line)' is not '<id> <name> <host:port> voter|learner'")
            }
            return RaftMember(id: id, name: String(fields[1]), address: address, learner: fields[3] == "learner")
        }
    }

    static func save(_ members: [RaftMember], to directory: String) throws {
        let text = members.sorted { $0.id < $1.id }
            .map { "\($0.id) \($0.name) \($0.address) \($0.learner ? "learner" : "voter")\n" }.joined()
        let temporary = path(in: directory) + ".tmp"
        try DurableFiles.write(Array(text.utf8), to: temporary)
        try DurableFiles.rename(temporary, to: path(in: directory), directory: directory)
    }
}
