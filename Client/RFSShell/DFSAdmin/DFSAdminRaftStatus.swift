import RFSClient
import RFSConfig
import RFSProtocol

/// `rfs dfsadmin -raftStatus [-ns <ns>]`: the Raft group behind an HA nameservice, one row per
/// namenode as that namenode sees itself (role, term, commit and applied index), with the
/// leader's view of how far each member's log matches its own (match index and lag).
enum DFSAdminRaftStatus {
    static func run(_ arguments: [String], usage: String, generic: GenericOptions, environment: [String: String],
                    output: any ShellOutput) async -> Int32 {
        var nameservice: String?
        var rest = arguments[...]
        while let option = rest.popFirst() {
            guard option == "-ns", let value = rest.popFirst() else {
                output.printError("raftStatus: unexpected argument \(option)")
                output.printError("Usage: hdfs dfsadmin \(usage)")
                return DFSAdminShell.failureExitCode
            }
            nameservice = value
        }
        guard let admin = HAAdminShell.client(generic, nameservice: nameservice, environment: environment, command: "raftStatus",
                                              output: output) else {
            return DFSAdminShell.failureExitCode
        }
        var statuses: [(NamenodeEndpoint, Result<Rfs_Raft_GetRaftStatusResponse, any Error>)] = []
        for endpoint in admin.namenodes {
            do { statuses.append((endpoint, .success(try await admin.raftStatus(of: endpoint)))) } catch {
                statuses.append((endpoint, .failure(error)))
            }
        }
        let leaderView = statuses.compactMap { try? $0.1.get() }.filter { $0.role == "leader" }.max { $0.term < $1.term }
        let leaderName = leaderView.flatMap { view in view.members.first { $0.id == view.id }?.name }
        output.printLine("Nameservice \(admin.nameservice): "
            + (leaderView.map { "term \($0.term), leader \(leaderName ?? "\($0.id)"), commit index \($0.commitIndex)" } ?? "no leader"))
        var table = TableBuilder(header: ["NAMENODE", "ADDRESS", "ID", "ROLE", "STATE", "MEMBER", "TERM", "COMMIT", "APPLIED", "MATCH", "LAG"],
                                 rightAligned: [6, 7, 8, 9, 10])
        for (endpoint, result) in statuses {
            let replication = leaderView?.members.first { $0.id == endpoint.raftMemberID }
            // In the group as the leader has it: a voter, a learner being added, or not at all.
            let member = leaderView == nil ? "-" : replication.map { $0.learner ? "learner" : "voter" } ?? "no"
            switch result {
            case .success(let status):
                table.add([endpoint.id, "\(endpoint.rpcAddress)", "\(status.id)", status.role, status.active ? "active" : "standby", member,
                           "\(status.term)", "\(status.commitIndex)", "\(status.appliedIndex)",
                           replication.map { "\($0.matchIndex)" } ?? "-", replication.map { "\($0.lag)" } ?? "-"])
            case .failure(let error):
                table.add([endpoint.id, "\(endpoint.rpcAddress)", "\(endpoint.raftMemberID)", "unreachable", "-", member, "-", "-", "-",
                           replication.map { "\($0.matchIndex)" } ?? "-", replication.map { "\($0.lag)" } ?? "-"])
                output.printError("raftStatus: \(endpoint.id): \(HAAdminShell.describe(error))")
            }
        }
        for line in table.lines { output.printLine(line) }
        return leaderView == nil ? DFSAdminShell.failureExitCode : 0
    }
}
