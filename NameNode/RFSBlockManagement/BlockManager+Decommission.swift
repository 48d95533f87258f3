// Decommissioning: draining datanodes named in the exclude list.

extension BlockManager {
    /// Applies the exclude list (`dfsadmin -refreshNodes`): datanodes it names (by address,
    /// host name, or either with the transfer port) start decommissioning; their replicas
    /// stay readable but stop counting, so the monitor copies them elsewhere. Datanodes no
    /// longer named return to service (their now-excess replicas are trimmed by the monitor).
    /// Returns the datanodes whose state changed, by uuid.
    @discardableResult
    public mutating func refreshNodes(excludedHosts: Set<String>) -> [DatanodeUUID] {
        self.excludedHosts = excludedHosts
        var changed: [DatanodeUUID] = []
        for node in sortedNodes {
            let excluded = isExcluded(node.identity)
            guard excluded != node.adminState.isDecommissioning else { continue }
            datanodes[node.uuid]!.adminState = excluded ? .decommissionInProgress : .normal
            refresh(node.blocks)
            changed.append(node.uuid)
        }
        return changed
    }

    /// Marks decommissioned every decommissioning datanode whose blocks all have enough good
    /// replicas on in-service datanodes: their expected replication, or every in-service
    /// datanode when the cluster has fewer — but always at least one.
    mutating func checkDecommissions() {
        let inService = datanodes.values.filter(\.isInService).count
        for node in sortedNodes where node.adminState == .decommissionInProgress {
            if node.blocks.allSatisfy({ isSafelyReplicatedElsewhere($0, inService: inService) }) {
                datanodes[node.uuid]!.adminState = .decommissioned
            }
        }
    }

    private func isSafelyReplicatedElsewhere(_ id: BlockID, inService: Int) -> Bool {
        guard let record = blocks[id] else { return true }
        let live = counts(of: record).live
        guard record.isCommitted else { return live >= 1 }
        return live >= max(1, min(record.expectedReplication, inService))
    }
}
