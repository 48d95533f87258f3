import Foundation
import RFSClient
import RFSConfig
import RFSModel

/// `rfs storagepolicies` (HDFS's StoragePolicyAdmin, `hdfs storagepolicies`): -listPolicies,
/// -setStoragePolicy, -getStoragePolicy, -unsetStoragePolicy and -satisfyStoragePolicy, with
/// its messages and exit codes (0 done, 1 a usage error, 2 a failure).
public enum StoragePolicyShell {
    struct Command {
        let name: String
        /// After the name, e.g. "-path <path>"; "" for none.
        let arguments: String
        let summary: String
        /// (option, description) rows of the long usage.
        let options: [(String, String)]
        /// What the tool says when `-path` is missing (nil: the command takes none).
        var missingPath: String? = nil

        var shortUsage: String { "[" + name + (arguments.isEmpty ? "" : " " + arguments) + "]\n" }
        var longUsage: String {
            let width = options.map(\.0.count).max() ?? 0
            let rows = options.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 + "\n" }.joined()
            return shortUsage + "\n" + summary + "\n" + (rows.isEmpty ? "" : "\n" + rows)
        }
    }

    static let commands = [
        Command(name: "-listPolicies", arguments: "", summary: "List all the existing block storage policies.", options: []),
        Command(name: "-setStoragePolicy", arguments: "-path <path> -policy <policy>", summary: "Set the storage policy to a file/directory.",
                options: [("<path>", "The path of the file/directory to set storage policy"), ("<policy>", "The name of the block storage policy")],
                missingPath: "Please specify the path for setting the storage policy."),
        Command(name: "-getStoragePolicy", arguments: "-path <path>", summary: "Get the storage policy of a file/directory.",
                options: [("<path>", "The path of the file/directory for getting the storage policy")],
                missingPath: "Please specify the path with -path."),
        Command(name: "-unsetStoragePolicy", arguments: "-path <path>", summary: "Unset the storage policy set for a file/directory.",
                options: [("<path>", "The path of the file/directory from which the storage policy will be unset.")],
                missingPath: "Please specify the path from which the storage policy will be unset."),
        Command(name: "-satisfyStoragePolicy", arguments: "-path <path>", summary: "Schedule blocks to move based on file/directory policy.",
                options: [("<path>", "The path of the file/directory to satisfy storage policy")],
                missingPath: "Please specify the path for setting the storage policy."),
    ]
    static let help = Command(name: "-help", arguments: "<command-name>", summary: "Get detailed help about a command.",
                              options: [("<command-name>", "The command for which to get detailed help. If no command is specified, print detailed help for all commands")])

    public static func run(_ arguments: [String], environment: [String: String], output: any ShellOutput) async -> Int32 {
        let generic: GenericOptions
        do { generic = try GenericOptions(parsing: arguments) } catch {
            output.printError(error.message)
            return 1
        }
        var rest = Array(generic.remaining)
        guard let name = rest.first else {
            printUsage(output)
            return 1
        }
        rest.removeFirst()
        if name == help.name { return printHelp(rest, output: output) }
        guard let command = commands.first(where: { $0.name == name }) else {
            output.printError("Can't understand command '\(name)'")
            if !name.hasPrefix("-") { output.printError("Command names must start with dashes.") }
            printUsage(output)
            return 1
        }
        // The options as Hadoop's StringUtils.popOptionWithArgument takes them, anywhere; a
        // missing value is an IllegalArgumentException, which the tool prints and exits -1 on.
        let path: String?
        let policyName: String?
        do {
            path = try popOptionWithArgument("-path", from: &rest)
            policyName = command.name == "-setStoragePolicy" && path != nil ? try popOptionWithArgument("-policy", from: &rest) : nil
        } catch {
            output.printError("IllegalArgumentException: \(error.message)")
            return 255
        }
        let configuration: Configuration
        do {
            configuration = try Configuration.load(files: generic.configurationFiles, environment: environment, flags: generic.definitions)
        } catch {
            output.printError("\(error)")
            return 2
        }
        if let missing = command.missingPath, path == nil {
            output.printError(missing + "\nUsage: " + command.longUsage)
            return 1
        }
        if command.name == "-setStoragePolicy" && policyName == nil {
            output.printError("Please specify the policy name.\nUsage: " + command.longUsage)
            return 1
        }
        let fs: FileSystem
        do {
            // A qualified -path names its own filesystem, as Hadoop's Path.getFileSystem.
            let uri = try path.flatMap { $0.contains("://") ? $0 : nil } ?? generic.fileSystem ?? configuration.get(Keys.defaultFS)
            fs = try FileSystem(uri: uri, configuration: configuration, environment: environment)
        } catch {
            output.printError(prettify(error, unwrapping: []))
            return 2
        }
        defer { Task { await fs.close() } }
        let target = path ?? ""
        do {
            switch command.name {
            case "-listPolicies":
                let policies = try await fs.storagePolicies()
                output.printLine("Block Storage Policies:")
                for policy in policies { output.printLine("\t\(policy)") }
            case "-getStoragePolicy":
                // As HDFS's tool: from the file status, which carries the policy that applies.
                guard let status = try await fs.fileStatus(target) else {
                    output.printError("File/Directory does not exist: \(target)")
                    return 2
                }
                if status.storagePolicyID == UInt8(StoragePolicy.unspecifiedID) {
                    output.printLine("The storage policy of \(target) is unspecified")
                    return 0
                }
                guard let policy = try await fs.storagePolicies().first(where: { $0.id == UInt32(status.storagePolicyID) }) else {
                    output.printError("-getStoragePolicy is not supported for filesystem hdfs on path \(target)")
                    return 2
                }
                output.printLine("The storage policy of \(target):\n\(policy)")
            case "-setStoragePolicy":
                try await fs.setStoragePolicy(target, policyName: policyName ?? "")
                output.printLine("Set storage policy \(policyName ?? "") on \(target)")
            case "-unsetStoragePolicy":
                try await fs.unsetStoragePolicy(target)
                output.printLine("Unset storage policy from \(target)")
            default:  // -satisfyStoragePolicy
                try await fs.satisfyStoragePolicy(target)
                output.printLine("Scheduled blocks to move based on the current storage policy on \(target)")
            }
            return 0
        } catch {
            output.printError(prettify(error, unwrapping: [.accessControl, .fileNotFound, .safeMode, .nsQuotaExceeded, .unresolvedLink,
                                                           .snapshotAccessControl]))
            return 2
        }
    }

    /// AdminHelper.prettifyException: the exception's simple class name and the first line of its
    /// message. DFSClient unwraps only some remote classes; the rest show as RemoteException.
    static func prettify(_ error: any Error, unwrapping unwrapped: Set<HadoopException>) -> String {
        guard let remote = error as? RemoteException else { return "IOException: \(error)" }
        let message = remote.message.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let name = remote.exception.map(unwrapped.contains) == true ? remote.simpleClassName : "RemoteException"
        return "\(name): \(message)"
    }

    static func printUsage(_ output: any ShellOutput) {
        var text = "Usage: rfs storagepolicies [COMMAND]\n"
        for command in commands { text += "          " + command.shortUsage }
        text += "          " + help.shortUsage + "\n"
        output.write(text, error: true)
        output.printError(FsShellTexts.genericOptions + "\n")
    }

    /// `-help [command-name]`: every command's long usage, or one's.
    static func printHelp(_ arguments: [String], output: any ShellOutput) -> Int32 {
        guard let name = arguments.first else {
            for command in commands { output.printError(command.longUsage) }
            return 1
        }
        guard arguments.count == 1 else {
            output.printError("You must give exactly one argument to -help.")
            return 1
        }
        guard let command = (commands + [help]).first(where: { $0.name == "-" + name }) else {
            output.write("Unknown command '\(name)'.\nValid help command names are:\n"
                         + commands.map { String($0.name.dropFirst()) }.joined(separator: ", ") + "\n", error: true)
            return 1
        }
        output.write(command.longUsage, error: true)
        return 0
    }
}
