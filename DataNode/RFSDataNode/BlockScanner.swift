import Logging
import RFSBlockStorage

/// Re-reads every finalized replica once per period and checks it against its sums, at most
/// `bytesPerSecond` (HDFS's VolumeScanner), so silent disk corruption is found before a
/// reader needs the replica. A corrupt replica is reported to the namenodes, which mark it,
/// re-replicate the block from a good copy and then tell this datanode to delete it.
struct BlockScanner {
    let context: DataNodeContext
    let bytesPerSecond: Int
    let period: Duration
    let namenodes: NamenodeSet

    /// Bytes verified between two pauses of the throttle.
    static let sliceBytes = 1 << 20

    func start() -> Task<Void, Never> {
        Task {
            guard bytesPerSecond > 0 else { return }
            // Let the datanode register and report before the first pass.
            try? await Task.sleep(for: .seconds(5))
            let clock = ContinuousClock()
            while !Task.isCancelled {
                let started = clock.now
                await scanOnce()
                let next = started + period
                if clock.now < next { try? await Task.sleep(until: next, clock: clock) }
            }
        }
    }

    /// One pass over every finalized replica.
    func scanOnce() async {
        for volume in context.catalog.report() {
            for replica in volume.replicas where replica.state == .finalized {
                if Task.isCancelled { return }
                if let problem = await verify(replica) {
                    // A replica reopened meanwhile (an append bumps its stamp and rewrites its
                    // last chunk and that chunk's sum) was read mid-change: not corruption.
                    // HDFS's VolumeScanner checks the same before it reports.
                    guard let now = context.catalog.current(blockID: replica.blockID), now.state == .finalized,
                          now.generationStamp == replica.generationStamp, now.lengthBytes == replica.lengthBytes else {
                        continue
                    }
                    context.logger.error("block scanner found a corrupt replica", metadata: [
                        "block": "\(replica.blockID)", "path": "\(replica.blockPath)", "problem": "\(problem)"])
                    for namenode in namenodes.current {
                        try? await namenode.reportBadReplicas([(blockID: replica.blockID, generationStamp: replica.generationStamp,
                                                               lengthBytes: Int64(replica.lengthBytes), storageID: volume.storageID,
                                                               reason: "block scanner: \(problem)")])
                    }
                }
            }
        }
    }

    /// Nil when every chunk matches; otherwise what was wrong. A replica deleted meanwhile
    /// is not a problem.
    func verify(_ replica: ReplicaInfo) async -> String? {
        let reader: ReplicaReader
        do {
            reader = try ReplicaReader(replica)
        } catch {
            if case .io(_, _, let code) = error, code == 2 { return nil }  // ENOENT: deleted meanwhile
            return "\(error)"
        }
        defer { reader.close() }
        let slice = max(1, Self.sliceBytes / reader.checksum.bytesPerChecksum) * reader.checksum.bytesPerChecksum
        var offset = 0
        while offset < reader.lengthBytes {
            let length = min(slice, reader.lengthBytes - offset)
            do {
                let start = offset
                _ = try await context.onDisk { try reader.readVerified(offset: start, length: length) }
            } catch {
                return "\(error)"
            }
            offset += length
            let pause = Double(length) / Double(bytesPerSecond)
            try? await Task.sleep(for: .seconds(pause))
            if Task.isCancelled { return nil }
        }
        return nil
    }
}
