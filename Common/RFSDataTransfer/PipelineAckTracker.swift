import RFSProtocol

/// A packet sent down the pipeline and not yet acknowledged.
public struct UnackedPacket: Sendable, Hashable {
    public let header: PacketHeader

    public init(header: PacketHeader) {
        self.header = header
    }

    public var seqno: Int64 { header.seqno }
    /// What the block's acknowledged length becomes once this packet is acknowledged.
    public var endOffsetInBlock: Int64 { header.endOffsetInBlock }
}

/// Why a packet may not be sent now.
public enum PipelineSendRejection: Error, Hashable, Sendable, CustomStringConvertible {
    /// `packetsInFlightMax` packets await their acks: wait for one (HDFS's writer blocks).
    case windowFull(limit: Int)
    case seqnoNotIncreasing(previous: Int64, seqno: Int64)
    /// The block's last packet was already sent.
    case blockEnded(lastSeqno: Int64)
    /// An ack reported a failure; the pipeline must be recovered first.
    case pipelineFailed

    public var description: String {
        switch self {
        case .windowFull(let limit): "\(limit) packets already await their acks"
        case .seqnoNotIncreasing(let previous, let seqno): "packet seqno \(seqno) sent after \(previous)"
        case .blockEnded(let lastSeqno): "the block's last packet (seqno \(lastSeqno)) was already sent"
        case .pipelineFailed: "the pipeline failed and has not been recovered"
        }
    }
}

/// What one ack means.
public enum PipelineAckEvent: Sendable, Hashable {
    /// The oldest outstanding packet is acknowledged by every node. `congestedNodes` are the
    /// indices whose ECN says congested (HDFS backs off before sending more).
    case acknowledged(UnackedPacket, congestedNodes: [Int])
    /// A heartbeat's ack: the pipeline is alive, nothing is acknowledged.
    case heartbeat(congestedNodes: [Int])
    /// Node `index` (0 is the first datanode) replied with a failure: recover the pipeline
    /// without it. When several failed, the last of them is named, as HDFS's ResponseProcessor
    /// does (a node reports ERROR for its mirror, so the furthest failure is the cause).
    case badNode(index: Int, reply: PipelineAckReply, seqno: Int64)
    /// Node `index` sent OOB_RESTART: it is restarting. HDFS waits for it when it is the
    /// writer's local node or the only node, and otherwise treats it as a bad node.
    case restarting(index: Int, seqno: Int64)
    /// The ack is not for the oldest outstanding packet (`expected`, nil when none is
    /// outstanding): a duplicate, a skipped or an unknown seqno. HDFS then recovers the
    /// pipeline with the first node marked bad.
    case unexpectedSeqno(expected: Int64?, received: Int64)
    /// No reply at all, or more replies than the pipeline has nodes.
    case replyCountMismatch(count: Int, pipelineSize: Int)

    public var isFailure: Bool {
        switch self {
        case .acknowledged, .heartbeat: false
        case .badNode, .restarting, .unexpectedSeqno, .replyCountMismatch: true
        }
    }
}

/// The writer's bookkeeping of a pipeline (HDFS's ackQueue with DataStreamer's
/// ResponseProcessor; a datanode that forwards to a mirror keeps the same for its
/// downstream): packets sent and not yet acknowledged, in seqno order; acks acknowledge
/// them strictly in order; a failure stops everything until `recover`.
public struct PipelineAckTracker: Sendable {
    public private(set) var pipelineSize: Int
    public let packetsInFlightMax: Int
    public private(set) var outstanding: [UnackedPacket] = []
    /// Seqno of the last packet acknowledged by the whole pipeline; -1 before any.
    public private(set) var lastAckedSeqno: Int64 = -1
    /// The block's length as acknowledged by every node (HDFS's bytesAcked).
    public private(set) var bytesAckedInBlock: Int64
    /// The failure that stopped the pipeline, until `recover`.
    public private(set) var failure: PipelineAckEvent?
    private var lastSentSeqno: Int64
    private var lastPacketSeqno: Int64?

    public init(pipelineSize: Int, packetsInFlightMax: Int = DataTransferLimits.packetsInFlightDefault,
                firstSeqno: Int64 = 0, blockOffset: Int64 = 0) {
        precondition(pipelineSize >= 1 && packetsInFlightMax >= 1, "a pipeline has nodes and room for a packet")
        self.pipelineSize = pipelineSize
        self.packetsInFlightMax = packetsInFlightMax
        self.lastSentSeqno = firstSeqno - 1
        self.lastAckedSeqno = firstSeqno - 1
        self.bytesAckedInBlock = blockOffset
    }

    /// Whether a data packet may be sent now.
    public var canSend: Bool {
        failure == nil && lastPacketSeqno == nil && outstanding.count < packetsInFlightMax
    }

    /// True once the block's last packet is acknowledged: the replicas are finalized.
    public var isBlockComplete: Bool {
        lastPacketSeqno.map { lastAckedSeqno == $0 } ?? false
    }

    /// Records a packet as sent. Heartbeats are not recorded (their acks acknowledge nothing).
    public mutating func willSend(_ header: PacketHeader) throws(PipelineSendRejection) {
        if header.isHeartbeat { return }
        if failure != nil { throw .pipelineFailed }
        if let lastPacketSeqno { throw .blockEnded(lastSeqno: lastPacketSeqno) }
        guard outstanding.count < packetsInFlightMax else { throw .windowFull(limit: packetsInFlightMax) }
        guard header.seqno > lastSentSeqno else { throw .seqnoNotIncreasing(previous: lastSentSeqno, seqno: header.seqno) }
        outstanding.append(UnackedPacket(header: header))
        lastSentSeqno = header.seqno
        if header.lastPacketInBlock { lastPacketSeqno = header.seqno }
    }

    /// Applies one ack. Checks run in HDFS's order: the replies (last node first), then a
    /// heartbeat's seqno, then the seqno of the oldest outstanding packet.
    public mutating func receive(_ ack: Hadoop_Hdfs_PipelineAckProto) -> PipelineAckEvent {
        if let failure { return failure }
        let event = evaluate(ack)
        switch event {
        case .acknowledged(let packet, _):
            outstanding.removeFirst()
            lastAckedSeqno = packet.seqno
            bytesAckedInBlock = max(bytesAckedInBlock, packet.endOffsetInBlock)
        case .heartbeat:
            break
        default:
            failure = event
        }
        return event
    }

    /// After a failure, the pipeline is rebuilt (possibly with fewer nodes) and every packet
    /// not yet acknowledged is sent again, in order, from the oldest: they are returned, and
    /// `willSend` accepts their seqnos again.
    public mutating func recover(pipelineSize: Int) -> [UnackedPacket] {
        precondition(pipelineSize >= 1, "a pipeline has nodes")
        let resend = outstanding
        outstanding = []
        failure = nil
        self.pipelineSize = pipelineSize
        lastSentSeqno = lastAckedSeqno
        lastPacketSeqno = nil
        return resend
    }

    private func evaluate(_ ack: Hadoop_Hdfs_PipelineAckProto) -> PipelineAckEvent {
        let replies = PipelineAcks.replies(of: ack)
        guard !replies.isEmpty, replies.count <= pipelineSize else {
            return .replyCountMismatch(count: replies.count, pipelineSize: pipelineSize)
        }
        if let failed = replies.indices.last(where: { !replies[$0].isSuccess }) {
            if replies[failed].isRestarting { return .restarting(index: failed, seqno: ack.seqno) }
            return .badNode(index: failed, reply: replies[failed], seqno: ack.seqno)
        }
        let congested = replies.indices.filter { replies[$0].isCongested }
        if ack.seqno == PacketHeader.heartbeatSeqno { return .heartbeat(congestedNodes: congested) }
        guard let oldest = outstanding.first, oldest.seqno == ack.seqno else {
            return .unexpectedSeqno(expected: outstanding.first?.seqno, received: ack.seqno)
        }
        return .acknowledged(oldest, congestedNodes: congested)
    }
}
