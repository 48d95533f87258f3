import Foundation
@testable import RFSRaft
import RFSModel
import Testing

/// The namenode group under faults: Raft cores, their disks and namespaces, clients, one
/// seed per run. Safety is checked after every Ready; then the network heals, the group must
/// converge and take one more write, and every slot's client history must be linearizable.
/// A failing seed prints itself and replays exactly:
/// `RFS_RAFT_SEED=<seed> swift test --filter ClusterSimulationTests`.
@Suite struct ClusterSimulationTests {
    /// `RFS_RAFT_SEED` replays one run; `RFS_RAFT_SEEDS` sets how many seeds each test runs.
    static func seeds(default count: Int) -> [UInt64] {
        if let one = ProcessInfo.processInfo.environment["RFS_RAFT_SEED"].flatMap(UInt64.init) { return [one] }
        let count = ProcessInfo.processInfo.environment["RFS_RAFT_SEEDS"].flatMap(Int.init) ?? count
        return (1...UInt64(count)).map { $0 &* 0x9E37_79B9_7F4A_7C15 }
    }

    static func run(seed: UInt64, voters: Int) -> [String] {
        var simulation = ClusterSimulation(seed: seed, options: .drawn(seed: seed, voters: voters))
        return simulation.run()
    }

    @Test("3 namenodes under faults stay safe, converge and answer linearizably", arguments: seeds(default: 400))
    func threeNamenodes(seed: UInt64) {
        let problems = Self.run(seed: seed, voters: 3)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test("5 namenodes under faults stay safe, converge and answer linearizably", arguments: seeds(default: 100))
    func fiveNamenodes(seed: UInt64) {
        let problems = Self.run(seed: seed, voters: 5)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }
}
