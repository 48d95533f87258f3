// Names and numbers that travel on the wire next to the protobuf messages: the protocol names
// carried in IpcConnectionContextProto.protocol and RequestHeaderProto.declaringClassProtocolName,
// the Hadoop IPC constants, and the DataTransferProtocol version and opcodes.
//
// The Hadoop values were checked against the Hadoop 3.5.0 client jars (ProtocolInfo annotations,
// RpcConstants, DataTransferProtocol.DATA_TRANSFER_VERSION, datatransfer.Op).

/// Protocol names as they appear on the wire.
public enum ProtocolNames {
    /// Client → namenode (ClientNamenodeProtocol.proto, service `ClientNamenodeProtocol`).
    public static let clientProtocol = "org.apache.hadoop.hdfs.protocol.ClientProtocol"
    /// `hdfs haadmin` → namenode (HAServiceProtocol.proto, service `HAServiceProtocolService`).
    public static let haServiceProtocol = "org.apache.hadoop.ha.HAServiceProtocol"
    /// Client → datanode IPC port (ClientDatanodeProtocol.proto).
    public static let clientDatanodeProtocol = "org.apache.hadoop.hdfs.protocol.ClientDatanodeProtocol"
    /// Reconfiguration calls (ReconfigurationProtocol.proto); same port as the protocol they reconfigure.
    public static let reconfigurationProtocol = "org.apache.hadoop.hdfs.protocol.ReconfigurationProtocol"

    /// rfs's own: datanode → every namenode (DatanodeProtocol.proto, service `DatanodeProtocol`).
    public static let datanodeProtocol = "rfs.datanode.DatanodeProtocol"
    /// rfs's own: datanode → datanode block recovery (DatanodeProtocol.proto, service `InterDatanodeProtocol`).
    public static let interDatanodeProtocol = "rfs.datanode.InterDatanodeProtocol"
    /// rfs's own: namenode ↔ namenode (RaftProtocol.proto, service `RaftProtocol`).
    public static let raftProtocol = "rfs.raft.RaftProtocol"

    /// `RequestHeaderProto.clientProtocolVersion` for every protobuf protocol (Hadoop's
    /// `@ProtocolInfo(protocolVersion = 1)`), ours included.
    public static let protocolVersion: UInt64 = 1
}

/// Hadoop IPC connection constants (org.apache.hadoop.ipc.RpcConstants).
public enum HadoopIPC {
    /// Connection preamble: "hrpc", then version, service class, auth protocol.
    public static let magic: [UInt8] = Array("hrpc".utf8)
    /// IPC version byte after the magic; also `RpcResponseHeaderProto.serverIpcVersionNum`.
    public static let version: UInt8 = 9
    /// Auth-protocol byte: NONE (security off; the Java client sends it for SIMPLE too).
    public static let authProtocolNone: UInt8 = 0
    /// Auth-protocol byte: SASL (-33 as a signed byte).
    public static let authProtocolSASL: UInt8 = 0xDF

    /// Special call ids (sint32 in RpcRequestHeaderProto).
    public static let authorizationFailedCallID: Int32 = -1
    public static let invalidCallID: Int32 = -2
    public static let connectionContextCallID: Int32 = -3
    public static let pingCallID: Int32 = -4
    public static let saslCallID: Int32 = -33
    /// `retryCount` of a first attempt.
    public static let invalidRetryCount: Int32 = -1
}

/// DataTransferProtocol framing: every op starts with a big-endian u16 version and a u8 opcode,
/// followed by a varint-delimited Op…Proto.
public enum DataTransferProtocolInfo {
    /// `DataTransferProtocol.DATA_TRANSFER_VERSION`.
    public static let version: UInt16 = 28
}

/// DataTransferProtocol opcodes (org.apache.hadoop.hdfs.protocol.datatransfer.Op) and the
/// message that follows each.
public enum DataTransferOpcode: UInt8, Sendable, CaseIterable {
    /// `OpWriteBlockProto`
    case writeBlock = 80
    /// `OpReadBlockProto`
    case readBlock = 81
    /// Obsolete in HDFS; never sent by current clients.
    case readMetadata = 82
    /// `OpReplaceBlockProto`
    case replaceBlock = 83
    /// `OpCopyBlockProto`
    case copyBlock = 84
    /// `OpBlockChecksumProto`
    case blockChecksum = 85
    /// `OpTransferBlockProto`
    case transferBlock = 86
    /// `OpRequestShortCircuitAccessProto`
    case requestShortCircuitFds = 87
    /// `ReleaseShortCircuitAccessRequestProto`
    case releaseShortCircuitFds = 88
    /// `ShortCircuitShmRequestProto`
    case requestShortCircuitShm = 89
    /// `OpBlockGroupChecksumProto`
    case blockGroupChecksum = 90
    /// `OpCustomProto`
    case custom = 127
}
