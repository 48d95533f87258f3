import RFSModel
import RFSNamespace
import RFSProtocol

/// The second half of a large recursive delete (see `PurgeDetached`): the active namenode
/// removes the detached subtrees in edits of `deleteIncrement` inodes each, one edit at a
/// time, so client edits interleave with them.
extension ClientProtocolService {
    /// Proposes PurgeDetached edits until no detached subtree is left, this namenode stops
    /// being active, safe mode comes on, or an edit fails (the next wake-up, at the latest the
    /// monitor's next tick, starts again).
    func purgeDetachedSubtrees(isActive: () -> Bool) async {
        var edits = 0
        let started = ContinuousClock.now
        while !Task.isCancelled, isActive(), !safeMode.isOn, (try? reads().hasDetachedSubtrees()) == true {
            var op = Rfs_Namenode_PurgeDetached()
            op.maxInodes = UInt32(clamping: deleteIncrement)
            do {
                let proposed = ContinuousClock.now
                let reply = try await propose(.purgeDetached(op), context: try namenodeContext(method: "purgeDetached"), mutating: false)
                edits += 1
                if reply != .flag(true) { break }
                // Rest as long as the edit took: the purge then holds the apply thread at most
                // half the time, and LevelDB's compactions keep pace with its deletions, so
                // clients' edits wait behind one purge edit at most, not behind a train of them.
                try await Task.sleep(for: ContinuousClock.now - proposed)
            } catch {
                if Task.isCancelled { break }  // the namenode is stopping
                logger.warning("purging deleted subtrees stopped; it starts again at the next monitor tick",
                               metadata: ["error": "\(error)"])
                break
            }
        }
        if edits > 0 {
            logger.info("purged deleted subtrees", metadata: [
                "edits": "\(edits)", "inodesPerEdit": "\(deleteIncrement)", "milliseconds": "\((ContinuousClock.now - started).wholeMilliseconds)"])
        }
    }
}
