import ArgumentParser

/// `rfs-microbench`: micro-benchmarks of rfs's hot paths. Each figure is printed next to a
/// baseline (memcpy of the same buffer) measured in the same run, so numbers from different
/// machines or runs can be compared by their ratios.
@main
struct MicroBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rfs-microbench",
        abstract: "Micro-benchmarks of rfs's hot paths, each next to a same-run baseline.")

    @Argument(help: "Which benchmarks to run: checksum, codec or all.")
    var which: [String] = ["all"]

    @Flag(help: "Short runs, for a smoke test; figures are noisy.")
    var quick = false

    mutating func run() throws {
        let names = Set(which.contains("all") ? ["checksum", "codec"] : which)
        for name in names.sorted() {
            switch name {
            case "checksum": runChecksumBench(quick: quick).forEach { print($0) }
            case "codec": runCodecBench(quick: quick).forEach { print($0) }
            default: throw ValidationError("unknown benchmark '\(name)'; expected checksum, codec or all")
            }
            print("")
        }
    }
}
