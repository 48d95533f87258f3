import RFSProtocol

// A PipelineAckProto, drawn once:
//
//   seqno                   the packet acknowledged; -1 a heartbeat; -2 (UNKNOWN) an
//                           out-of-band message such as OOB_RESTART
//   reply[i]                node i's Status, node 0 being the one that sends the ack
//   flag[i]                 node i's status again, with congestion bits (PipelineAck.StatusFormat):
//                             bits 0-3 Status, bit 4 reserved, bits 5-6 ECN, bits 7-8 SLOW
//   downstreamAckTimeNanos  how long the downstream ack took
//
// Datanodes since HDFS 2.8 always fill `flag`; readers take a node's status from flag[i]
// when flags are present and from reply[i] otherwise (PipelineAck.getHeaderFlag).

/// One node's entry in a pipeline ack.
public struct PipelineAckReply: Sendable, Hashable, CustomStringConvertible {
    /// The status number as sent. Four bits of a flag can name numbers that no Status has
    /// (14, 15); such a reply is not a success.
    public var statusCode: Int
    /// Explicit congestion notification (PipelineAck.ECN): 0 disabled, 1 and 2 supported,
    /// 3 congested. A writer backs off when a node is congested.
    public var ecn: UInt8
    /// PipelineAck.SLOW: 0 disabled, 1 normal, 2 slow.
    public var slow: UInt8

    public static let ecnCongested: UInt8 = 3
    public static let slowNodeValue: UInt8 = 2

    public init(_ status: Hadoop_Hdfs_Status, ecn: UInt8 = 0, slow: UInt8 = 0) {
        self.init(statusCode: status.rawValue, ecn: ecn, slow: slow)
    }

    init(statusCode: Int, ecn: UInt8, slow: UInt8) {
        self.statusCode = statusCode
        self.ecn = ecn
        self.slow = slow
    }

    /// Decodes a `flag` word.
    public init(flag: UInt32) {
        self.init(statusCode: Int(flag & 0xF), ecn: UInt8((flag >> 5) & 0x3), slow: UInt8((flag >> 7) & 0x3))
    }

    public var status: Hadoop_Hdfs_Status? { Hadoop_Hdfs_Status(rawValue: statusCode) }
    public var isSuccess: Bool { status == .success }
    public var isCongested: Bool { ecn == Self.ecnCongested }
    public var isSlow: Bool { slow == Self.slowNodeValue }
    /// OOB_RESTART: the node is restarting and asks the writer to wait for it rather than
    /// drop it from the pipeline.
    public var isRestarting: Bool { status == .oobRestart }

    /// The `flag` word (PipelineAck.combineHeader).
    public var flag: UInt32 {
        UInt32(statusCode & 0xF) | UInt32(ecn & 0x3) << 5 | UInt32(slow & 0x3) << 7
    }

    public var description: String {
        (status.map { "\($0)" } ?? "status \(statusCode)") + (isCongested ? " congested" : "") + (isSlow ? " slow" : "")
    }
}

public enum PipelineAcks {
    /// `PipelineAck.UNKOWN_SEQNO`: the seqno of an out-of-band ack.
    public static let unknownSeqno: Int64 = -2

    /// Each node's reply, from `flag` when the ack has flags and from `reply` otherwise (a
    /// flag missing for some node falls back to its reply).
    public static func replies(of ack: Hadoop_Hdfs_PipelineAckProto) -> [PipelineAckReply] {
        let count = max(ack.reply.count, ack.flag.count)
        return (0..<count).map { index in
            if index < ack.flag.count { return PipelineAckReply(flag: ack.flag[index]) }
            return PipelineAckReply(ack.reply[index])
        }
    }

    /// The ack for `seqno` with these replies, written as Java writes it: both `reply` and
    /// `flag` for every node. A flag whose status bits name no Status is sent as ERROR in
    /// `reply`.
    public static func make(seqno: Int64, replies: [PipelineAckReply],
                            downstreamAckTimeNanos: UInt64 = 0) -> Hadoop_Hdfs_PipelineAckProto {
        var ack = Hadoop_Hdfs_PipelineAckProto()
        ack.seqno = seqno
        ack.reply = replies.map { $0.status ?? .error }
        ack.flag = replies.map(\.flag)
        ack.downstreamAckTimeNanos = downstreamAckTimeNanos
        return ack
    }

    /// What a datanode sends upstream for `seqno` (BlockReceiver.PacketResponder): its own
    /// reply first, then its mirror's replies as received; when it could not read the
    /// mirror's ack, SUCCESS for itself and ERROR for the mirror, so that the writer drops
    /// the mirror. The last datanode of a pipeline passes `downstream: nil`.
    public static func upstream(seqno: Int64, local: PipelineAckReply, downstream: Hadoop_Hdfs_PipelineAckProto?,
                                mirrorFailed: Bool = false, downstreamAckTimeNanos: UInt64 = 0) -> Hadoop_Hdfs_PipelineAckProto {
        if mirrorFailed {
            return make(seqno: seqno, replies: [PipelineAckReply(.success, ecn: local.ecn), PipelineAckReply(.error, ecn: local.ecn)],
                        downstreamAckTimeNanos: downstreamAckTimeNanos)
        }
        let downstreamReplies = downstream.map(replies(of:)) ?? []
        return make(seqno: seqno, replies: [local] + downstreamReplies, downstreamAckTimeNanos: downstreamAckTimeNanos)
    }
}
