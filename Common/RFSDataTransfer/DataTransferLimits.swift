import RFSModel

/// The bounds and defaults of DataTransferProtocol, each with HDFS's reason. They sit here
/// rather than in `RFSModel.Limits` only because this module arrived after it; the packet
/// bound itself is `Limits.packetBytesMax`.
public enum DataTransferLimits {
    /// Largest varint-delimited Op…Proto accepted after the version and opcode. A real
    /// WRITE_BLOCK with a token and a 3-node pipeline is well under 2 KiB; 1 MiB leaves room
    /// for anything legitimate and refuses a hostile length before any allocation.
    public static let opRequestBytesMax = 1 << 20

    /// Largest varint-delimited reply or status message (BlockOpResponseProto,
    /// PipelineAckProto, ClientReadStatusProto, DNTransferAckProto).
    public static let replyMessageBytesMax = 1 << 20

    /// Bytes in front of every packet header: u32 payload length and u16 header length
    /// (HDFS's `PacketHeader.PKT_LENGTHS_LEN`).
    public static let packetLengthPrefixBytes = 6

    /// The largest header HDFS itself writes: every field set, syncBlock included, is 27 bytes
    /// of protobuf (`PacketHeader.MAX_PROTO_SIZE`).
    public static let packetHeaderProtoBytesMax = 27

    /// Room HDFS reserves for the lengths and the header in front of a packet's body
    /// (`PacketHeader.PKT_MAX_HEADER_LEN`, 33): subtracted from the write packet size before
    /// it is cut into chunks.
    public static let packetHeaderReserveBytes = packetLengthPrefixBytes + packetHeaderProtoBytesMax

    /// Largest header length accepted from a peer. Java accepts any non-negative u16 as long
    /// as the whole packet stays under its size limit; a header 40 times larger than any HDFS
    /// writes is either corruption or hostility, and refusing it early costs nothing.
    public static let packetHeaderBytesMax = 1024

    /// Largest `bytesPerChecksum` accepted from a peer or a block's settings: a chunk, its
    /// sum and the header must fit in one packet, with room to spare (HDFS itself distrusts
    /// chunks over 10 MiB as a sign of a corrupt meta file).
    public static let bytesPerChecksumMax = Limits.packetBytesMax / 2

    /// Packets a writer may have sent and not yet seen acknowledged
    /// (`dfs.client.write.max-packets-in-flight`, 80).
    public static let packetsInFlightDefault = 80

    /// Data bytes per READ_BLOCK packet: BlockSender sends ceil(64 KiB / bytesPerChecksum)
    /// chunks per packet when it can use transferTo (`MIN_BUFFER_WITH_TRANSFERTO`), the
    /// normal path for a client read.
    public static let readPacketDataBytesDefault = 64 << 10
}
