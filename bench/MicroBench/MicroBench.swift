import ArgumentParser

/// `rfs-microbench`: benchmarks of rfs's hot paths. Each figure is printed next to a
/// baseline measured in the same run (memcpy of the same buffer, the disk's own fsync rate),
/// so numbers from different machines or runs can be compared by their ratios.
@main
struct MicroBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfs-microbench",
        abstract: "Benchmarks of rfs's hot paths, each next to a same-run baseline.",
        discussion: """
            checksum, codec, wal, apply and namespace run with `all`; namespace-scale (10 million files by
            default, tens of minutes) runs only when named.
            """)

    @Argument(help: "Which benchmarks: checksum, codec, wal, apply, namespace, namespace-ha, namespace-scale or all.")
    var which: [String] = ["all"]

    @Flag(help: "Short runs, for a smoke test; figures are noisy.")
    var quick = false

    @Option(help: "The rfs binary the namespace benchmarks start (default: next to this one).")
    var rfs: String?

    @Option(help: "Files for namespace-scale.")
    var files = 10_000_000

    @Option(help: "Concurrent clients for namespace-scale.")
    var clients = 64

    @Option(help: "Keep namespace-scale's name directory here instead of a temporary one.")
    var directory: String?

    mutating func run() async throws {
        let names = which.contains("all") ? ["checksum", "codec", "wal", "apply", "namespace"] : which
        for name in names {
            switch name {
            case "checksum": runChecksumBench(quick: quick).forEach { print($0) }
            case "codec": runCodecBench(quick: quick).forEach { print($0) }
            case "wal": runWALBench(quick: quick).forEach { print($0) }
            case "apply": try runApplyBench(quick: quick).forEach { print($0) }
            case "namespace": try await runNamespaceBench(quick: quick, rfsBinary: rfs).forEach { print($0) }
            case "namespace-ha": try await runNamespaceHABench(quick: quick, rfsBinary: rfs).forEach { print($0) }
            case "namespace-scale":
                // It prints each line as it goes (the run takes tens of minutes).
                _ = try await runNamespaceScaleBench(files: files, clients: clients, rfsBinary: rfs, directory: directory)
            default:
                throw ValidationError("unknown benchmark '\(name)'; expected checksum, codec, wal, apply, namespace, namespace-ha, namespace-scale or all")
            }
            print("")
        }
    }
}
