#if canImport(Glibc)
import Glibc
#endif
import RFSModel
import RFSProtocol
import Synchronization

/// Safe mode: a read-only state the namenode starts in until enough blocks have a reported
/// replica (`thresholdFraction`, HDFS's dfs.namenode.safemode.threshold-pct, default 0.999),
/// that an administrator may enter and leave by hand, and that the namenode enters by itself
/// when its name directory runs low on space (`NameDirectorySpace`). As in HDFS, it does not
/// leave that by itself: an administrator frees space, then leaves safe mode.
public final class SafeMode: Sendable {
    public let thresholdFraction: Double
    private struct State {
        var automatic: Bool
        var manual = false
        var resourcesLow = false
    }
    private let state: Mutex<State>

    public init(thresholdFraction: Double = 0.999, startOn: Bool = true) {
        self.thresholdFraction = thresholdFraction
        self.state = Mutex(State(automatic: startOn))
    }

    public var isOn: Bool { state.withLock { $0.automatic || $0.manual || $0.resourcesLow } }

    /// Leaves automatic safe mode once `fraction` of blocks are reported.
    public func update(safeBlockFraction fraction: Double) {
        state.withLock { if $0.automatic && fraction >= thresholdFraction { $0.automatic = false } }
    }

    public func enter() { state.withLock { $0.manual = true } }

    public func leave() { state.withLock { $0.manual = false; $0.automatic = false; $0.resourcesLow = false } }

    /// Enters safe mode for low resources; true when it was not already on for them.
    @discardableResult
    public func enterForLowResources() -> Bool {
        state.withLock { state in
            defer { state.resourcesLow = true }
            return !state.resourcesLow
        }
    }

    /// What a SafeModeException says could not be done, worded as HDFS's FSNamesystem words it
    /// ("Cannot create directory /x", and "Cannot create file/x" without a space, as there);
    /// nil for edits HDFS has no wording for.
    static func refusedOperation(_ operation: Rfs_Namenode_Edit.OneOf_Operation) -> String? {
        switch operation {
        case .mkdirs(let op): "create directory \(op.path)"
        case .create(let op): "create file\(op.path)"
        case .complete(let op): "complete file \(op.path)"
        case .delete(let op): "delete \(op.path)"
        case .rename(let op): "rename \(op.source)"
        case .setPermission(let op): "set permission for \(op.path)"
        case .setOwner(let op): "set owner for \(op.path)"
        case .setReplication(let op): "set replication for \(op.path)"
        case .setTimes(let op): "set times \(op.path)"
        case .append(let op): "append to file\(op.path)"
        case .fsync(let op): "fsync file \(op.path)"
        case .truncate(let op): "truncate for \(op.path)"
        case .concat(let op): "concat \(op.target)"
        case .setStoragePolicy(let op): "\(op.policyID == 0 ? "unset" : "set") storage policy for \(op.path)"
        case .setXattr(let op): "set XAttr on \(op.path)"
        case .removeXattr(let op): "remove XAttr entry on \(op.path)"
        default: nil
        }
    }

    /// Throws SafeModeException while safe mode is on. `operation` is worded only then: every
    /// write passes through here.
    func checkWritable(operation: @autoclosure () -> String) throws {
        let (on, resourcesLow) = state.withLock { ($0.automatic || $0.manual || $0.resourcesLow, $0.resourcesLow) }
        guard on else { return }
        let operation = operation()
        let why = resourcesLow
            ? "Resources are low on NN. Please add or free up more resources then turn off safe mode manually. NOTE:  If you turn off safe mode before adding resources, the NN will immediately return to safe mode."
            : "It was turned on manually or the reported blocks have not reached the threshold \(thresholdFraction)."
        throw HadoopRemoteError(.safeMode, "Cannot \(operation). Name node is in safe mode.\n\(why) Use \"hdfs dfsadmin -safemode leave\" to turn safe mode off.")
    }
}

/// The free space of the file system holding the name directory (statvfs), against the
/// reserve it must keep (`dfs.namenode.resource.du.reserved`).
public struct NameDirectorySpace: Sendable {
    public let path: String
    public let reservedBytes: Int

    public init(path: String, reservedBytes: Int) {
        self.path = path
        self.reservedBytes = reservedBytes
    }

    /// Bytes an unprivileged writer may still use there; nil when statvfs fails.
    public func availableBytes() -> Int? {
        var status = statvfs()
        guard statvfs(path, &status) == 0 else { return nil }
        let available = UInt64(status.f_bavail).multipliedReportingOverflow(by: UInt64(status.f_frsize))
        return available.overflow ? Int.max : Int(clamping: available.partialValue)
    }

    /// Whether less than the reserve is free (a failed statvfs is not read as low).
    public func isLow() -> Bool {
        guard let available = availableBytes() else { return false }
        return available < reservedBytes
    }
}
