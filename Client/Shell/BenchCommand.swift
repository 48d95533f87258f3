import ArgumentParser
import Foundation
import RFSBench

/// `rfs bench …`: the bundled load generator (RFSBench). Its single-dash options are parsed
/// there, as Hadoop's benchmarks parse theirs, so every argument passes through untouched.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks with same-run baselines: rfs bench nn|io|all|compare (rfs bench all -help).")

    @Argument(parsing: .captureForPassthrough, help: "nn|io|all|compare [options]")
    var arguments: [String] = []

    func run() async throws {
        ShellLogging.bootstrap()
        // The minicluster `bench` starts is this same binary.
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let code = await BenchMain.run(arguments, environment: ProcessInfo.processInfo.environment, rfsBinary: binary)
        if code != 0 { throw ExitCode(code) }
    }
}
