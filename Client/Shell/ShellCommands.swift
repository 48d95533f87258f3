import ArgumentParser
import Foundation
import Logging
import RFSShell

/// The shells print only their own output on stdout: library log lines (fail-over notices,
/// retries) go to stderr, and only from warnings up, as Hadoop's client logs WARN by default.
/// `RFS_LOG_LEVEL` (trace, debug, info, …) shows more, as HADOOP_ROOT_LOGGER does for Hadoop's.
enum ShellLogging {
    static func bootstrap() {
        let level = ProcessInfo.processInfo.environment["RFS_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// `rfs dfs …`: Hadoop's FsShell. Its single-dash options are parsed by `RFSShell`, not by
/// argument-parser, so every argument passes through untouched.
struct DFSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dfs", abstract: "Run a filesystem command (as `hdfs dfs`): rfs dfs -ls /, rfs dfs -usage.")

    @Argument(parsing: .captureForPassthrough, help: "[generic options] -<command> [options] [paths]")
    var arguments: [String] = []

    func run() async throws {
        ShellLogging.bootstrap()
        let code = await DFSShell.run(arguments, environment: ProcessInfo.processInfo.environment, output: StandardShellOutput())
        if code != 0 { throw ExitCode(code) }
    }
}

/// `rfs dfsadmin …`: the administration commands of HDFS's DFSAdmin.
struct DFSAdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dfsadmin", abstract: "Run an administration command (as `hdfs dfsadmin`): -report, -safemode, quotas.")

    @Argument(parsing: .captureForPassthrough, help: "[generic options] -<command> [arguments]")
    var arguments: [String] = []

    func run() async throws {
        ShellLogging.bootstrap()
        let code = await DFSAdminShell.run(arguments, environment: ProcessInfo.processInfo.environment, output: StandardShellOutput())
        if code != 0 { throw ExitCode(code) }
    }
}

/// `rfs haadmin …`: HDFS's HAAdmin for the Raft-elected nameservice.
struct HAAdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "haadmin", abstract: "Show or move the active namenode (as `hdfs haadmin`): -getAllServiceState, -getServiceState <nn>, -failover <from> <to>.")

    @Argument(parsing: .captureForPassthrough, help: "[generic options] [-ns <nameserviceId>] -<command> [arguments]")
    var arguments: [String] = []

    func run() async throws {
        ShellLogging.bootstrap()
        let code = await HAAdminShell.run(arguments, environment: ProcessInfo.processInfo.environment, output: StandardShellOutput())
        if code != 0 { throw ExitCode(code) }
    }
}

struct FsckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck", abstract: "Check the health of files and their blocks (as `hdfs fsck`): <path> [-files [-blocks [-locations | -racks]]].")

    @Argument(parsing: .captureForPassthrough, help: "[generic options] <path> [-files [-blocks [-locations | -racks]]]")
    var arguments: [String] = []

    func run() async throws {
        ShellLogging.bootstrap()
        let code = await FsckShell.run(arguments, environment: ProcessInfo.processInfo.environment, output: StandardShellOutput())
        if code != 0 { throw ExitCode(code) }
    }
}

/// `rfs storagepolicies …`: HDFS's StoragePolicyAdmin.
struct StoragePoliciesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "storagepolicies", abstract: "List, get, set or unset block storage policies (as `hdfs storagepolicies`).")

    @Argument(parsing: .captureForPassthrough, help: "[generic options] -listPolicies | -getStoragePolicy -path <path> | -setStoragePolicy -path <path> -policy <policy> | -unsetStoragePolicy -path <path>")
    var arguments: [String] = []

    func run() async throws {
        ShellLogging.bootstrap()
        let code = await StoragePolicyShell.run(arguments, environment: ProcessInfo.processInfo.environment, output: StandardShellOutput())
        if code != 0 { throw ExitCode(code) }
    }
}

/// `rfs debug recoverLease -path <path> [-retries <n>]`: HDFS's `hdfs debug`.
struct DebugCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "debug", abstract: "Advanced commands (as `hdfs debug`): recoverLease -path <path> [-retries <num-retries>].")

    @Argument(parsing: .captureForPassthrough, help: "[generic options] recoverLease -path <path> [-retries <num-retries>]")
    var arguments: [String] = []

    func run() async throws {
        ShellLogging.bootstrap()
        let code = await DebugShell.run(arguments, environment: ProcessInfo.processInfo.environment, output: StandardShellOutput())
        if code != 0 { throw ExitCode(code) }
    }
}
