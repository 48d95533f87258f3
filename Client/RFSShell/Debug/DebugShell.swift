import Foundation
import RFSClient
import RFSConfig

/// `rfs debug recoverLease -path <path> [-retries <n>]` (HDFS's `hdfs debug`): asks the
/// namenode to recover the lease of a file whose writer is gone, retrying every 5 seconds,
/// and prints what HDFS's DebugAdmin prints. Exit 0 once the file is closed, 1 otherwise.
public enum DebugShell {
    public static let usage = """
        Usage: rfs debug <command> [arguments]

        These commands are for advanced users only.

        Incorrect usages may result in data loss. Use at your own risk.

        recoverLease -path <path> [-retries <num-retries>]
        """
    public static let retryInterval: Duration = .seconds(5)

    public static func run(_ arguments: [String], environment: [String: String], output: any ShellOutput,
                           retryInterval: Duration = retryInterval) async -> Int32 {
        let generic: GenericOptions
        do { generic = try GenericOptions(parsing: arguments) } catch {
            output.printError(error.message)
            return 1
        }
        var rest = generic.remaining[...]
        guard rest.popFirst() == "recoverLease" else {
            output.printLine(usage)
            return 1
        }
        var path: String?
        var retriesText: String?
        while let option = rest.popFirst() {
            switch option {
            case "-path": path = rest.popFirst()
            case "-retries": retriesText = rest.popFirst()
            default:
                output.printError("recoverLease: unknown option \(option)")
                output.printError("Usage: rfs debug recoverLease -path <path> [-retries <num-retries>]")
                return 1
            }
        }
        guard let path else {
            output.printError("You must supply a -path argument to recoverLease.")
            return 1
        }
        var maxRetries = 1
        if let retriesText {
            guard let parsed = Int(retriesText) else {
                output.printError("Failed to parse the argument to -retries: java.lang.NumberFormatException: For input string: \"\(retriesText)\"")
                return 1
            }
            maxRetries = parsed
        }
        let fs: FileSystem
        do {
            let configuration = try Configuration.load(files: generic.configurationFiles, environment: environment, flags: generic.definitions)
            let uri = path.contains("://") ? path : try generic.fileSystem ?? configuration.get(Keys.defaultFS)
            fs = try FileSystem(uri: uri, configuration: configuration, environment: environment)
        } catch {
            output.printError("recoverLease: \(error)")
            return 1
        }
        let code = await recover(path, maxRetries: maxRetries, retryInterval: retryInterval, fs: fs, output: output)
        await fs.close()
        return code
    }

    /// HDFS's RecoverLeaseCommand loop: 0 once the file is closed, 1 when it gives up.
    static func recover(_ path: String, maxRetries: Int, retryInterval: Duration, fs: FileSystem, output: any ShellOutput) async -> Int32 {
        var attempt = 0
        while true {
            do {
                if try await fs.recoverLease(path) {
                    output.printLine("recoverLease SUCCEEDED on \(path)")
                    return 0
                }
                output.printError("recoverLease returned false.")
            } catch let error as RemoteException where error.isFileNotFound {
                output.printError("recoverLease got exception: \(error.message)")
                output.printError("Giving up on recoverLease for \(path) after 1 try")
                return 1
            } catch let error as RemoteException {
                output.printError("recoverLease got exception: \(error.message)")
            } catch {
                output.printError("recoverLease got exception: \(error)")
            }
            attempt += 1
            if attempt >= maxRetries { break }
            output.printError("Retrying in \(retryInterval.wholeMilliseconds) ms...")
            try? await Task.sleep(for: retryInterval)
            output.printError("Retry #\(attempt)")
        }
        output.printError("Giving up on recoverLease for \(path) after \(maxRetries) \(maxRetries == 1 ? "try." : "tries.")")
        return 1
    }
}
