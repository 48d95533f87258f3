@testable import RFSRaft
import RFSModel

/// How hard one simulated run is on the cluster. `drawn(seed:voters:)` varies the shape of
/// replication by the seed, so different seeds explore different batchings and windows.
struct SimulationOptions {
    var voters = 3
    var clients = 4
    /// Independent directories the clients work in; the history is checked per slot.
    var slots = 3
    /// Ticks of the fault phase; then the network heals and the cluster must converge.
    var faultTicks = 2000
    var healTicksMax = 3000
    var electionTicks = 10
    var maxEntriesPerMessage = 8
    var maxInflightMessages = 4
    var network = NetworkFaults(dropPercent: 5, duplicatePercent: 3, maxDelayTicks: 4, reshapePercentPerTick: 2)
    /// A node crashes between ticks (losing its unsynced namespace writes) and restarts
    /// after a pause.
    var crashPerMillePerTick = 10
    var downTicks = 5...60
    /// A node crashes inside its shell, in the middle of carrying out a Ready: before
    /// persisting, after persisting but before sending, or after sending but before applying.
    var shellCrashPerMillePerReady = 2
    /// Chance that a newly elected leader crashes within a few ticks.
    var newLeaderCrashPercent = 10
    var compactPercentPerTick = 3
    var checkpointPercentPerTick = 2
    var transferPerMillePerTick = 5
    /// Chance per tick that an idle client starts an operation.
    var issuePercentPerTick = 30
    var readPercent = 30
    var clientTimeoutTicks = 60
    /// Clients also fill directories with a file (so deletes detach subtrees) and the leader
    /// proposes purge edits, at this chance per tick; 0: neither. Drawn for half the seeds, from
    /// a stream of its own, so the other half run exactly the schedules they ran before.
    var purgePercentPerTick = 0
    var unsafe = UnsafeVariants()

    static func drawn(seed: UInt64, voters: Int) -> SimulationOptions {
        var shape = SplitMix64(seed: seed ^ 0x5EED_0F_0B7105)
        var options = SimulationOptions()
        options.voters = voters
        options.clients = 3 + Int(shape.next() % 4)
        options.slots = 2 + Int(shape.next() % 3)
        options.maxEntriesPerMessage = [1, 2, 8, 64][Int(shape.next() % 4)]
        options.maxInflightMessages = [1, 4, 64][Int(shape.next() % 3)]
        if shape.next() % 4 == 0 { options.churnLeaders() }
        if shape.next() % 2 == 0 { options.purgePercentPerTick = 5 }
        return options
    }

    /// Leaders come and go fast and entries travel one per message, so a new leader's
    /// earlier-term entries often reach a majority before its own first entry does: the
    /// schedule under which committing by counting (Figure 8) goes wrong. A quarter of the
    /// seeds run it.
    mutating func churnLeaders() {
        maxEntriesPerMessage = 1
        network.dropPercent = 20
        newLeaderCrashPercent = 50
    }

    /// The liveness phase: nothing fails any more.
    mutating func calm() {
        network = NetworkFaults()
        crashPerMillePerTick = 0
        newLeaderCrashPercent = 0
        shellCrashPerMillePerReady = 0
        transferPerMillePerTick = 0
        issuePercentPerTick = 0
        if purgePercentPerTick > 0 { purgePercentPerTick = 20 }
    }
}
