import Foundation
import RFSClient
import RFSConfig

/// `rfs haadmin …`: HDFS's `hdfs haadmin` for a Raft-elected nameservice. States are read
/// from each namenode's HAServiceProtocol; `-failover` hands leadership over through Raft
/// (the active's log is complete at the target before it campaigns, so nothing acknowledged
/// is lost). Manual transitions are refused, as HDFS refuses them under automatic failover.
/// `-addNamenode`/`-removeNamenode` change the Raft group one namenode at a time (an added one
/// joins as a learner and votes once it has caught up).
/// Exit codes are HAAdmin's: 0, or -1 (255) for a usage error or a failed call.
public enum HAAdminShell {
    public static let failureExitCode: Int32 = 255

    static let usages: [(name: String, usage: String)] = [
        ("transitionToActive", "[-transitionToActive [--forceactive] <serviceId>]"),
        ("transitionToStandby", "[-transitionToStandby <serviceId>]"),
        ("failover", "[-failover [--forcefence] [--forceactive] <serviceId> <serviceId>]"),
        ("getServiceState", "[-getServiceState <serviceId>]"),
        ("getAllServiceState", "[-getAllServiceState]"),
        ("checkHealth", "[-checkHealth <serviceId>]"),
        ("addNamenode", "[-addNamenode <serviceId>]"),
        ("removeNamenode", "[-removeNamenode <serviceId>]"),
        ("help", "[-help <command>]"),
    ]

    public static func run(_ arguments: [String], environment: [String: String], output: any ShellOutput) async -> Int32 {
        let generic: GenericOptions
        do { generic = try GenericOptions(parsing: arguments) } catch {
            output.printError(error.message)
            return failureExitCode
        }
        var rest = generic.remaining[...]
        var nameservice: String?
        if rest.first == "-ns" {
            rest.removeFirst()
            guard let value = rest.popFirst() else {
                output.printError("Missing nameservice ID")
                printUsage(output)
                return failureExitCode
            }
            nameservice = value
        }
        guard let command = rest.popFirst() else {
            printUsage(output)
            return failureExitCode
        }
        let name = String(command.dropFirst())
        guard command.hasPrefix("-"), usages.contains(where: { $0.name == name }) else {
            output.printError("\(command.dropFirst()): Unknown command")
            printUsage(output)
            return failureExitCode
        }
        if name == "help" {
            printUsage(output, toError: false)
            return 0
        }
        let operands = rest.filter { !$0.hasPrefix("--") }
        let expected = ["getAllServiceState": 0, "failover": 2][name] ?? 1
        guard operands.count == expected else {
            output.printError("\(name): incorrect number of arguments")
            output.printError("Usage: rfs haadmin [-ns <nameserviceId>] " + usages.first { $0.name == name }!.usage)
            return failureExitCode
        }
        guard let admin = client(generic, nameservice: nameservice, environment: environment, command: name, output: output) else {
            return failureExitCode
        }
        do {
            switch name {
            case "getAllServiceState":
                // Like HDFS: one line per namenode, its address padded to 50, then its state.
                for endpoint in admin.namenodes {
                    let address = "\(endpoint.rpcAddress)".padding(toLength: max(50, "\(endpoint.rpcAddress)".count), withPad: " ", startingAt: 0)
                    do {
                        output.printLine(address + " " + (try await admin.serviceState(of: endpoint)).rawValue)
                    } catch {
                        output.printLine(address + " Failed to connect: \(Self.describe(error))")
                    }
                }
            case "getServiceState":
                output.printLine((try await admin.serviceState(of: try admin.endpoint(named: operands[0]))).rawValue)
            case "checkHealth":
                try await admin.checkHealth(of: try admin.endpoint(named: operands[0]))
            case "failover":
                let from = try admin.endpoint(named: operands[0]), to = try admin.endpoint(named: operands[1])
                try await admin.failover(from: from, to: to)
                output.printLine("Failover from \(from.id) to \(to.id) successful")
            case "addNamenode", "removeNamenode":
                // The namenode's address comes from this configuration (dfs.namenode.rpc-address.<ns>.<id>),
                // which must list it; the active carries it to every member in the change itself.
                let adding = name == "addNamenode"
                let endpoint = try admin.endpoint(named: operands[0])
                let members = try await admin.changeMembership(adding: adding, endpoint)
                output.printLine("\(adding ? "Added" : "Removed") \(endpoint.id) (\(endpoint.rpcAddress)) \(adding ? "to" : "from") nameservice \(admin.nameservice)")
                for member in members {
                    output.printLine("  \(member.name) \(member.rpcAddress) \(member.learner ? "learner" : "voter")")
                }
            default:  // transitionToActive, transitionToStandby
                output.printError("Automatic failover is enabled for this nameservice (its namenodes elect the active by Raft).")
                output.printError("Refusing to manually manage HA state; use -failover <from> <to> to move the active namenode.")
                return failureExitCode
            }
            return 0
        } catch {
            output.printError("\(name): \(Self.describe(error))")
            return failureExitCode
        }
    }

    /// The namenodes of the nameservice named by `-ns` (or configured), or nil after printing why.
    static func client(_ generic: GenericOptions, nameservice: String?, environment: [String: String], command: String,
                       output: any ShellOutput) -> HAAdminClient? {
        do {
            let configuration = try Configuration.load(files: generic.configurationFiles, environment: environment, flags: generic.definitions)
            return try HAAdminClient(configuration: configuration, nameservice: nameservice, user: CurrentUser.name(environment: environment))
        } catch {
            output.printError("\(command): \(error)")
            return nil
        }
    }

    static func describe(_ error: any Error) -> String {
        if let remote = error as? RemoteException { return "\(remote.className): \(remote.message)" }
        return "\(error)"
    }

    static func printUsage(_ output: any ShellOutput, toError: Bool = true) {
        let text = "Usage: rfs haadmin [-ns <nameserviceId>]\n" + usages.map { "    " + $0.usage }.joined(separator: "\n")
        if toError { output.printError(text) } else { output.printLine(text) }
    }
}
