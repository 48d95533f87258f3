/// Every bound rfs enforces, in one place, with its unit in its name. A bound is a promise to
/// operators (what rfs will accept) and a defence (what a broken or hostile peer can make us
/// allocate). Settings in `RFSConfig` may lower some of them; none may exceed these.
public enum Limits {
    /// Largest Hadoop RPC frame accepted by default: Hadoop's `ipc.maximum.data.length`
    /// default (128 MiB). A longer length prefix closes the connection before any allocation.
    public static let rpcFrameBytesDefault = 128 << 20
    /// Largest value `ipc.maximum.data.length` may be set to (1 GiB): a length prefix is
    /// a signed 32-bit integer in Hadoop's framing, and one frame is held in memory whole.
    public static let rpcFrameBytesMax = 1 << 30
    /// Largest varint-delimited message inside a frame (the frame bound applies as well).
    public static let rpcDelimitedMessageBytesMax = rpcFrameBytesMax
    /// Calls one connection may have in flight before the server stops reading from it.
    public static let rpcCallsInFlightPerConnectionMax = 256
    /// Bytes of the connection preamble: "hrpc", version, service class, auth protocol.
    public static let rpcPreambleBytes = 7

    /// HDFS's `dfs.namenode.fs-limits.max-component-length` default.
    public static let pathComponentBytesMax = 255
    /// HDFS's `dfs.namenode.fs-limits.max-directory-items` default.
    public static let directoryItemsMax = 1_048_576
    /// Longest path in bytes (Hadoop's `MAX_PATH_LENGTH`).
    public static let pathBytesMax = 8000
    /// Deepest path in components (Hadoop's `MAX_PATH_DEPTH`).
    public static let pathDepthMax = 1000
    /// Entries per getListing reply (HDFS's `dfs.ls.limit` default).
    public static let listingPageEntriesDefault = 1000

    /// Largest data-transfer packet body accepted (HDFS's `PacketReceiver.MAX_PACKET_SIZE`, 16 MiB).
    public static let packetBytesMax = 16 << 20
}
