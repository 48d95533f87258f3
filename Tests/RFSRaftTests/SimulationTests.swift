import Foundation
@testable import RFSRaft
import RFSModel
import Testing

/// Randomized runs: one seed per run drives drops, delays, partitions, crashes with restarts,
/// compactions and proposals. Safety is checked all along (one leader per term, the same
/// entry applied at every index everywhere); then the network heals and the cluster must
/// converge with every acknowledged proposal in the log. A failing seed replays exactly:
/// `RFS_RAFT_SEED=<seed> swift test --filter SimulationTests`.
@Suite struct SimulationTests {
    static var seeds: [UInt64] {
        if let one = ProcessInfo.processInfo.environment["RFS_RAFT_SEED"].flatMap(UInt64.init) { return [one] }
        let count = ProcessInfo.processInfo.environment["RFS_RAFT_SEEDS"].flatMap(Int.init) ?? 60
        return (1...UInt64(count)).map { $0 &* 0x9E37_79B9 }
    }

    static func run(seed: UInt64, voters: Int) -> [String] {
        var sim = Simulation(seed: seed, voters: voters)
        sim.faults = .init(dropPercent: 10, maxDelayTicks: 4, crashPercentPerTick: 2, partitionPercentPerTick: 2,
                           compactPercentPerTick: 3)
        var choice = SplitMix64(seed: seed ^ 0xABCD)
        for _ in 0..<1500 {
            if choice.next() % 3 == 0 { sim.propose() }
            sim.tick()
            if !sim.violations.isEmpty { return ["seed \(seed): " + sim.violations.joined(separator: "; ")] }
        }
        sim.heal()
        let settled = sim.run(until: { sim in
            guard let leader = sim.leader else { return false }
            let commit = sim.core(leader)!.commitIndex
            return sim.nodes.values.allSatisfy { $0.core?.commitIndex == commit && $0.disk.appliedIndex == commit }
        }, limit: 3000)
        var problems = settled ? [] : ["the cluster did not converge after healing: " + sim.describe()]
        // Still live: one more proposal commits everywhere.
        if let final = sim.propose() {
            let applied = sim.run(until: { sim in sim.nodes.values.allSatisfy { node in
                node.disk.applied[node.disk.appliedIndex] == final } }, limit: 500)
            if !applied { problems.append("a proposal after healing did not apply everywhere") }
        } else {
            problems.append("no leader after healing")
        }
        problems += sim.convergenceProblems()
        if !problems.isEmpty { problems.append(sim.describe()) }
        return problems.map { "seed \(seed), \(voters) voters: \($0)" }
    }

    @Test("3 voters under faults stay safe and converge", arguments: seeds)
    func threeVoters(seed: UInt64) {
        let problems = Self.run(seed: seed, voters: 3)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test("5 voters under faults stay safe and converge", arguments: seeds.prefix(20))
    func fiveVoters(seed: UInt64) {
        let problems = Self.run(seed: seed, voters: 5)
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test("the same seed replays the same run")
    func replay() {
        func transcript() -> [String] {
            var sim = Simulation(seed: 77, voters: 3)
            sim.faults = .init(dropPercent: 20, maxDelayTicks: 5, crashPercentPerTick: 3, partitionPercentPerTick: 3, compactPercentPerTick: 3)
            var lines: [String] = []
            for _ in 0..<400 {
                sim.propose()
                sim.tick()
                lines.append(sim.nodes.keys.sorted().map { "\($0):\(sim.core($0).map { "\($0.term)/\($0.role)/\($0.commitIndex)" } ?? "down")" }.joined(separator: " "))
            }
            return lines
        }
        #expect(transcript() == transcript())
    }
}
