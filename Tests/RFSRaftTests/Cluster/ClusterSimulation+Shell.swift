import Foundation
@testable import RFSRaft
import RFSModel

/// Each node's shell, as `RaftNode` carries out a Ready: persist (snapshot, entries, hard
/// state), then send, then apply and answer. A crash can strike between those steps.
extension ClusterSimulation {
    enum ShellCrashPoint: CaseIterable {
        case beforePersisting, afterPersisting, afterSending
    }

    /// A node starts from what its disks kept.
    mutating func start(_ id: NodeID) {
        let position = Int(id - 1)
        var configuration = RaftConfiguration(id: id, seed: rng.next())
        configuration.electionTicks = options.electionTicks
        configuration.maxEntriesPerMessage = options.maxEntriesPerMessage
        configuration.maxInflightMessages = options.maxInflightMessages
        let disk = nodes[position].disk
        let appliedIndex = nodes[position].replica.appliedIndex
        precondition(appliedIndex >= disk.snapshot?.index ?? 0, "node \(id)'s namespace is behind its log's snapshot")
        var core = RaftCore(configuration: configuration, hardState: disk.hardState, snapshot: disk.snapshot,
                            entries: disk.entries, appliedIndex: appliedIndex, membership: membership)
        core.unsafeVariants = options.unsafe
        nodes[position].core = core
        drain(id)
    }

    /// Carries out every Ready the node has.
    mutating func drain(_ id: NodeID) {
        let position = Int(id - 1)
        while nodes[position].core != nil, let ready = nodes[position].core!.takeReady() {
            let crashPoint = chance(perMille: options.shellCrashPerMillePerReady, &rng)
                ? ShellCrashPoint.allCases[Int(rng.next() % 3)] : nil
            // A leader's appends leave before its own persist, as RaftNode sends them: a crash
            // before persisting then leaves followers holding what the leader never wrote.
            for message in ready.sendableBeforePersisting { send(message) }
            if crashPoint == .beforePersisting { return crash(id, inShell: true) }
            persist(ready, on: id)
            if let last = ready.entries.last { nodes[position].core!.persisted(through: last.index, term: last.term) }
            if crashPoint == .afterPersisting { return crash(id, inShell: true) }
            for message in ready.sendableAfterPersisting { send(message) }
            if crashPoint == .afterSending { return crash(id, inShell: true) }
            apply(ready.committed, on: id)
            releaseReads(ready.reads, on: id)
            if let core = nodes[position].core, core.role == .leader, safety.observeLeader(core),
               chance(options.newLeaderCrashPercent, &rng) {
                // A leader dying within moments of its election, before its term's first entry
                // is everywhere: the window Figure 8 of the Raft paper is about.
                nodes[position].crashAt = now + Int(rng.next() % 4)
            }
        }
    }

    private mutating func persist(_ ready: Ready, on id: NodeID) {
        let position = Int(id - 1)
        var image: NamespaceImage?
        if let snapshot = ready.snapshot {
            image = nodes[position].arrivingSnapshot?.image
            nodes[position].arrivingSnapshot = nil
            precondition(image?.index == snapshot.index, "node \(id) installs a snapshot through \(snapshot.index) it was not sent")
            try! nodes[position].replica.install(image!)
            safety.observeNamespace(image!.digest, through: snapshot.index, on: id)
            statistics.snapshotsInstalled += 1
        }
        if let first = ready.entries.first {
            let core = nodes[position].core!
            safety.observePersisted(ready.entries, previousTerm: core.log.term(at: first.index - 1) ?? 0, on: id)
        }
        nodes[position].disk.persist(ready, image: image)
    }

    private mutating func apply(_ committed: [RaftEntry], on id: NodeID) {
        guard !committed.isEmpty else { return }
        let position = Int(id - 1)
        for entry in committed { safety.observeApplied(entry, on: id) }
        let applied = try! nodes[position].replica.apply(committed)
        let replica = nodes[position].replica
        safety.observeNamespace(replica.digest, through: replica.appliedIndex, on: id)
        answerWrites(applied, on: id)
        serveReads(on: id)
    }

    // MARK: - The network

    private mutating func send(_ message: RaftMessage) {
        statistics.messages += 1
        var envelope = Envelope(message: message)
        if case .snapshot(let meta) = message.body {
            // The shell streams the snapshot it holds, which is the one its core names.
            let image = node(message.from).disk.snapshotImage
            precondition(image?.index == meta.index, "node \(message.from) sends a snapshot through \(meta.index) it does not hold")
            envelope.image = image
        }
        if let lost = network.send(envelope, now: now, rng: &rng) { self.lost(lost) }
    }

    mutating func deliverDue() {
        for (envelope, arrives) in network.takeDue(now: now) {
            let to = envelope.message.to
            guard arrives, node(to).core != nil else {
                lost(envelope)
                continue
            }
            if let image = envelope.image { nodes[Int(to - 1)].arrivingSnapshot = (envelope.message.from, image) }
            if Self.tracing { print("tick \(now) \(envelope.message.from)->\(to) term \(envelope.message.term) \(envelope.message.body)") }
            nodes[Int(to - 1)].core!.step(envelope.message)
            drain(to)
            // A snapshot the core did not need (it had the entries) is dropped.
            nodes[Int(to - 1)].arrivingSnapshot = nil
        }
    }

    /// A message that never arrives. A snapshot's stream fails where its sender sees it, and
    /// the sender's shell tells its core.
    private mutating func lost(_ envelope: Envelope) {
        let from = envelope.message.from
        guard case .snapshot = envelope.message.body, !envelope.isDuplicate, node(from).core != nil else { return }
        nodes[Int(from - 1)].core!.reportSnapshotFailure(to: envelope.message.to)
        drain(from)
    }

    // MARK: - Crashes, checkpoints and compaction

    /// The process dies: its core and everything in flight to it are gone; its Raft disk
    /// keeps what was persisted; its namespace keeps what was synced and, by the seed, a
    /// prefix of the writes after that.
    mutating func crash(_ id: NodeID, inShell: Bool = false) {
        let position = Int(id - 1)
        nodes[position].core = nil
        nodes[position].crashAt = nil
        let unfinishedStream = nodes[position].arrivingSnapshot?.from
        nodes[position].arrivingSnapshot = nil
        if inShell { statistics.shellCrashes += 1 } else { statistics.crashes += 1 }
        let unsynced = nodes[position].replica.unsyncedWriteCount
        try! nodes[position].replica.crash(keepingUnsyncedWrites: Int(rng.next() % UInt64(unsynced + 1)))
        let replica = nodes[position].replica
        safety.observeNamespace(replica.digest, through: replica.appliedIndex, on: id)
        nodes[position].restartAt = now + options.downTicks.lowerBound
            + Int(rng.next() % UInt64(options.downTicks.count))
        abandonClients(of: id)
        for envelope in network.dropAll(to: id) { lost(envelope) }
        if let sender = unfinishedStream, node(sender).core != nil {
            nodes[Int(sender - 1)].core!.reportSnapshotFailure(to: id)
            drain(sender)
        }
    }

    /// The namespace is synced (as the namenode's periodic checkpoint syncs LevelDB).
    mutating func checkpoint(_ id: NodeID) {
        guard node(id).core != nil else { return }
        try! node(id).replica.sync()
    }

    /// The node checkpoints its namespace and drops the log before it: followers behind
    /// that point will be sent the snapshot.
    mutating func compact(_ id: NodeID) {
        let position = Int(id - 1)
        guard nodes[position].core != nil else { return }
        let index = nodes[position].replica.appliedIndex
        guard index > (nodes[position].disk.snapshot?.index ?? 0), index == nodes[position].core!.appliedIndex else { return }
        try! nodes[position].replica.sync()
        nodes[position].core!.compact(through: index)
        guard let snapshot = nodes[position].core!.snapshot, snapshot.index == index else { return }
        nodes[position].disk.compact(to: snapshot, image: try! nodes[position].replica.image())
        statistics.compactions += 1
    }
}

extension ClusterSimulation {
    /// `RFS_RAFT_TRACE=1` prints every message delivered, for reading a replayed seed.
    static let tracing = ProcessInfo.processInfo.environment["RFS_RAFT_TRACE"] != nil
}
