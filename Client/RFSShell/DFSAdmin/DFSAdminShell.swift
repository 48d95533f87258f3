import RFSClient
import RFSConfig

/// `rfs dfsadmin …`: the commands of HDFS's `DFSAdmin` that rfs serves. Exit codes are
/// DFSAdmin's: 0, or -1 (255) for a usage error or a failed call.
public enum DFSAdminShell {
    public static let failureExitCode: Int32 = 255

    /// Command name → usage, in DFSAdmin's order.
    static let usages: [(name: String, usage: String)] = [
        ("report", "[-report] [-live] [-dead] [-decommissioning] [-enteringmaintenance] [-inmaintenance] [-slownodes]"),
        ("safemode", "[-safemode <enter | leave | get | wait | forceExit>]"),
        ("refreshNodes", "[-refreshNodes]"),
        ("setQuota", "[-setQuota <quota> <dirname>...<dirname>]"),
        ("clrQuota", "[-clrQuota <dirname>...<dirname>]"),
        ("setSpaceQuota", "[-setSpaceQuota <quota> [-storageType <storagetype>] <dirname>...<dirname>]"),
        ("clrSpaceQuota", "[-clrSpaceQuota [-storageType <storagetype>] <dirname>...<dirname>]"),
        ("raftStatus", "[-raftStatus [-ns <nameserviceId>]]"),
        ("help", "[-help [cmd]]"),
    ]

    public static func run(_ arguments: [String], environment: [String: String], output: any ShellOutput) async -> Int32 {
        let generic: GenericOptions
        do { generic = try GenericOptions(parsing: arguments) } catch {
            output.printError(error.message)
            return failureExitCode
        }
        guard let command = generic.remaining.first else {
            printAllUsage(output)
            return failureExitCode
        }
        let name = String(command.dropFirst())
        guard command.hasPrefix("-"), let usage = usages.first(where: { $0.name == name })?.usage else {
            output.printError("\(command.dropFirst()): Unknown command")
            printAllUsage(output)
            return failureExitCode
        }
        let arguments = Array(generic.remaining.dropFirst())
        if name == "help" {
            printAllUsage(output, toError: false)
            return 0
        }
        if name == "raftStatus" {
            return await DFSAdminRaftStatus.run(arguments, usage: usage, generic: generic, environment: environment, output: output)
        }
        let fs: FileSystem
        do {
            let configuration = try Configuration.load(files: generic.configurationFiles, environment: environment, flags: generic.definitions)
            fs = try FileSystem(uri: try generic.fileSystem ?? configuration.get(Keys.defaultFS), configuration: configuration,
                                environment: environment)
        } catch {
            output.printError("\(name): \(error)")
            return failureExitCode
        }
        let code = await run(name, usage: usage, arguments, fs: fs, output: output)
        await fs.close()
        return code
    }

    /// One command; failures print DFSAdmin's lines and answer -1.
    static func run(_ name: String, usage: String, _ arguments: [String], fs: FileSystem, output: any ShellOutput) async -> Int32 {
        do {
            switch name {
            case "report": try await DFSAdminReport(fs: fs, output: output).run(arguments)
            case "safemode": try await DFSAdminSafeMode.run(arguments, fs: fs, output: output)
            case "refreshNodes":
                guard arguments.isEmpty else { throw UsageError("") }
                try await fs.refreshNodes()
                output.printLine("Refresh nodes successful")
            default: try await DFSAdminQuota.run(name, arguments, fs: fs)
            }
            return 0
        } catch let usageError as UsageError {
            if !usageError.message.isEmpty { output.printError("\(name): \(usageError.message)") }
            output.printError("Usage: hdfs dfsadmin \(usage)")
            return failureExitCode
        } catch let remote as RemoteException {
            output.printError("\(name): \(remote.message.split(separator: "\n").first.map(String.init) ?? "")")
            return failureExitCode
        } catch {
            output.printError("\(name): \(error)")
            return failureExitCode
        }
    }

    static func printAllUsage(_ output: any ShellOutput, toError: Bool = true) {
        var text = "Usage: hdfs dfsadmin\nNote: Administrative commands can only be run as the HDFS superuser.\n"
        for (_, usage) in usages { text += "\t\(usage)\n" }
        text += "\n" + FsShellTexts.genericOptions + "\n\n"
        output.write(text, error: toError)
    }
}
