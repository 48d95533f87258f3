import RFSModel
import Synchronization

/// Safe mode: a read-only state the namenode starts in until enough blocks have a reported
/// replica (`thresholdFraction`, HDFS's dfs.namenode.safemode.threshold-pct, default 0.999),
/// and that an administrator may enter and leave by hand.
public final class SafeMode: Sendable {
    public let thresholdFraction: Double
    private struct State {
        var automatic: Bool
        var manual = false
    }
    private let state: Mutex<State>

    public init(thresholdFraction: Double = 0.999, startOn: Bool = true) {
        self.thresholdFraction = thresholdFraction
        self.state = Mutex(State(automatic: startOn))
    }

    public var isOn: Bool { state.withLock { $0.automatic || $0.manual } }

    /// Leaves automatic safe mode once `fraction` of blocks are reported.
    public func update(safeBlockFraction fraction: Double) {
        state.withLock { if $0.automatic && fraction >= thresholdFraction { $0.automatic = false } }
    }

    public func enter() { state.withLock { $0.manual = true } }

    public func leave() { state.withLock { $0.manual = false; $0.automatic = false } }

    func checkWritable(operation: String) throws {
        guard isOn else { return }
        throw HadoopRemoteError(.safeMode, "Cannot \(operation). Name node is in safe mode.\nIt was turned on manually or the reported blocks have not reached the threshold \(thresholdFraction). Use \"hdfs dfsadmin -safemode leave\" to turn safe mode off.")
    }
}
