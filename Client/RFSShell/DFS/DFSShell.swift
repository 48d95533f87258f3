import RFSClient
import RFSConfig

/// `rfs dfs …`: Hadoop's FsShell. Generic options, then `-<command>` and its arguments; the
/// exit code is FsShell's (0, 1 when a path failed, 255 for a usage error or unknown command).
public enum DFSShell {
    public static let usageExitCode: Int32 = 255

    public static func run(_ arguments: [String], environment: [String: String], output: any ShellOutput) async -> Int32 {
        let generic: GenericOptions
        do {
            generic = try GenericOptions(parsing: arguments)
        } catch {
            output.printError(error.message)
            return usageExitCode
        }
        guard let commandArgument = generic.remaining.first else {
            output.write(FsShellUsage.full, error: true)
            return usageExitCode
        }
        let name = commandArgument.hasPrefix("-") ? String(commandArgument.dropFirst()) : commandArgument
        guard commandArgument.hasPrefix("-"), let type = DFSCommandTable.command(named: name) else {
            output.printError("\(commandArgument): Unknown command")
            if !commandArgument.hasPrefix("-"), DFSCommandTable.usage(of: commandArgument) != nil {
                output.printError("Did you mean -\(commandArgument)?  This command begins with a dash.")
            }
            output.write(FsShellUsage.full, error: true)
            return usageExitCode
        }
        let command: any DFSCommand
        do {
            command = try type.init(arguments: Array(generic.remaining.dropFirst()))
        } catch {
            printUsageError(error, type: type, output: output)
            return usageExitCode
        }
        let configuration: Configuration
        let fs: FileSystem
        do {
            configuration = try Configuration.load(files: generic.configurationFiles, environment: environment, flags: generic.definitions)
            let uri = try generic.fileSystem ?? configuration.get(Keys.defaultFS)
            fs = try FileSystem(uri: uri, configuration: configuration, environment: environment)
        } catch {
            output.printError("-\(name): \(error)")
            return usageExitCode
        }
        let context = DFSContext(fs: fs, configuration: configuration, environment: environment, output: output, commandName: name)
        let code: Int32
        do {
            code = try await command.run(context)
        } catch {
            if let usage = DFSContext.usageError(error) {
                printUsageError(usage, type: type, output: output)
                code = usageExitCode
            } else {
                context.displayError(DFSContext.message(for: error))
                code = 1
            }
        }
        await context.closeAll()
        return code
    }

    /// `-<cmd>: <message>`, the whole usage, then the command's usage line (FsShell's answer
    /// to an IllegalArgumentException).
    static func printUsageError(_ error: UsageError, type: any DFSCommand.Type, output: any ShellOutput) {
        if let warning = error.warning { output.printError(warning) }
        for line in error.message.split(separator: "\n", omittingEmptySubsequences: false) {
            output.printError("-\(type.name): \(line)")
        }
        output.write(FsShellUsage.full, error: true)
        output.printError(FsShellUsage.line(name: type.name, usage: type.usage))
    }
}
