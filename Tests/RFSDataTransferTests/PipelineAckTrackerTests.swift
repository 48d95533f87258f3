import RFSDataTransfer
import RFSProtocol
import Testing

@Suite("Pipeline ack bookkeeping")
struct PipelineAckTrackerTests {
    func header(_ seqno: Int64, dataLen: Int32 = 512, last: Bool = false) -> PacketHeader {
        PacketHeader(offsetInBlock: seqno * 512, seqno: seqno, lastPacketInBlock: last, dataLen: last ? 0 : dataLen)
    }

    func ack(_ seqno: Int64, _ statuses: [Hadoop_Hdfs_Status]) -> Hadoop_Hdfs_PipelineAckProto {
        PipelineAcks.make(seqno: seqno, replies: statuses.map { PipelineAckReply($0) })
    }

    let allGood: [Hadoop_Hdfs_Status] = [.success, .success, .success]

    @Test("acks acknowledge packets in order, the block completing with the last packet")
    func inOrder() throws {
        var tracker = PipelineAckTracker(pipelineSize: 3)
        for seqno in 0..<3 { try tracker.willSend(header(Int64(seqno))) }
        try tracker.willSend(header(3, last: true))
        #expect(tracker.outstanding.map(\.seqno) == [0, 1, 2, 3])
        for seqno in 0..<3 {
            #expect(tracker.receive(ack(Int64(seqno), allGood)) == .acknowledged(UnackedPacket(header: header(Int64(seqno))), congestedNodes: []))
            #expect(tracker.lastAckedSeqno == Int64(seqno))
            #expect(tracker.bytesAckedInBlock == Int64(seqno + 1) * 512)
        }
        #expect(!tracker.isBlockComplete)
        guard case .acknowledged = tracker.receive(ack(3, allGood)) else { Issue.record("last packet not acknowledged"); return }
        #expect(tracker.isBlockComplete)
        #expect(tracker.outstanding.isEmpty)
        #expect(!tracker.canSend)
        #expect(throws: PipelineSendRejection.blockEnded(lastSeqno: 3)) { try tracker.willSend(header(4)) }
    }

    @Test("a duplicate ack is an unexpected seqno and stops the pipeline")
    func duplicate() throws {
        var tracker = PipelineAckTracker(pipelineSize: 3)
        try tracker.willSend(header(0))
        try tracker.willSend(header(1))
        _ = tracker.receive(ack(0, allGood))
        #expect(tracker.receive(ack(0, allGood)) == .unexpectedSeqno(expected: 1, received: 0))
        #expect(!tracker.canSend)
        #expect(throws: PipelineSendRejection.pipelineFailed) { try tracker.willSend(header(2)) }
        // Acks from the broken pipeline change nothing.
        #expect(tracker.receive(ack(1, allGood)) == .unexpectedSeqno(expected: 1, received: 0))
        #expect(tracker.lastAckedSeqno == 0)
    }

    @Test("an out-of-order ack, or one for a packet never sent, is an unexpected seqno")
    func outOfOrder() throws {
        var tracker = PipelineAckTracker(pipelineSize: 2)
        try tracker.willSend(header(0))
        try tracker.willSend(header(1))
        #expect(tracker.receive(ack(1, [.success, .success])) == .unexpectedSeqno(expected: 0, received: 1))
        var idle = PipelineAckTracker(pipelineSize: 2)
        #expect(idle.receive(ack(0, [.success, .success])) == .unexpectedSeqno(expected: nil, received: 0))
    }

    @Test("ERROR from node 2 of 3 names that node for recovery; unacked packets are resent")
    func errorFromSecondNode() throws {
        var tracker = PipelineAckTracker(pipelineSize: 3)
        for seqno in 0..<4 { try tracker.willSend(header(Int64(seqno))) }
        _ = tracker.receive(ack(0, allGood))
        #expect(tracker.receive(ack(1, [.success, .error, .success]))
            == .badNode(index: 1, reply: PipelineAckReply(.error), seqno: 1))
        #expect(tracker.failure?.isFailure == true)
        let resend = tracker.recover(pipelineSize: 2)
        #expect(resend.map(\.seqno) == [1, 2, 3])
        #expect(tracker.canSend)
        for packet in resend { try tracker.willSend(packet.header) }
        guard case .acknowledged(let packet, _) = tracker.receive(ack(1, [.success, .success])) else {
            Issue.record("resent packet not acknowledged")
            return
        }
        #expect(packet.seqno == 1)
    }

    @Test("a datanode whose mirror failed sends SUCCESS, ERROR: the mirror is the bad node")
    func mirrorFailure() throws {
        var tracker = PipelineAckTracker(pipelineSize: 3)
        try tracker.willSend(header(0))
        let upstream = PipelineAcks.upstream(seqno: 0, local: PipelineAckReply(.success), downstream: nil, mirrorFailed: true)
        #expect(upstream.reply == [.success, .error])
        #expect(tracker.receive(upstream) == .badNode(index: 1, reply: PipelineAckReply(.error), seqno: 0))
    }

    @Test("when several nodes fail, the furthest is named, as HDFS does")
    func furthestFailure() throws {
        var tracker = PipelineAckTracker(pipelineSize: 3)
        try tracker.willSend(header(0))
        #expect(tracker.receive(ack(0, [.error, .success, .errorChecksum]))
            == .badNode(index: 2, reply: PipelineAckReply(.errorChecksum), seqno: 0))
    }

    @Test("a heartbeat ack acknowledges nothing; a heartbeat packet is not tracked")
    func heartbeat() throws {
        var tracker = PipelineAckTracker(pipelineSize: 3)
        try tracker.willSend(.heartbeat)
        #expect(tracker.outstanding.isEmpty)
        try tracker.willSend(header(0))
        #expect(tracker.receive(ack(-1, allGood)) == .heartbeat(congestedNodes: []))
        #expect(tracker.outstanding.map(\.seqno) == [0])
        // A heartbeat ack carrying an error still fails the pipeline.
        #expect(tracker.receive(ack(-1, [.success, .success, .error])) == .badNode(index: 2, reply: PipelineAckReply(.error), seqno: -1))
    }

    @Test("flags take precedence over replies; congestion is reported; unknown status bits are a failure")
    func flags() throws {
        var tracker = PipelineAckTracker(pipelineSize: 2)
        try tracker.willSend(header(0))
        try tracker.willSend(header(1))
        var congested = ack(0, [.success, .success])
        congested.flag = [0, 3 << 5]
        #expect(tracker.receive(congested) == .acknowledged(UnackedPacket(header: header(0)), congestedNodes: [1]))
        var contradictory = ack(1, [.success, .success])
        contradictory.flag = [0, 15]
        #expect(tracker.receive(contradictory) == .badNode(index: 1, reply: PipelineAckReply(flag: 15), seqno: 1))
        #expect(PipelineAckReply(flag: 15).status == nil)
        #expect(PipelineAckReply(flag: 1 | 2 << 5 | 2 << 7) == PipelineAckReply(.error, ecn: 2, slow: 2))
        #expect(PipelineAckReply(.error, ecn: 2, slow: 2).flag == 1 | 2 << 5 | 2 << 7)
    }

    @Test("OOB_RESTART from a node is reported as a restart, with HDFS's unknown seqno")
    func restart() throws {
        var tracker = PipelineAckTracker(pipelineSize: 3)
        try tracker.willSend(header(0))
        #expect(tracker.receive(ack(PipelineAcks.unknownSeqno, [.oobRestart])) == .restarting(index: 0, seqno: -2))
    }

    @Test("no replies, or more replies than nodes, is a protocol violation")
    func replyCount() throws {
        var tracker = PipelineAckTracker(pipelineSize: 2)
        try tracker.willSend(header(0))
        #expect(tracker.receive(ack(0, allGood)) == .replyCountMismatch(count: 3, pipelineSize: 2))
        var other = PipelineAckTracker(pipelineSize: 2)
        try other.willSend(header(0))
        #expect(other.receive(ack(0, [])) == .replyCountMismatch(count: 0, pipelineSize: 2))
    }

    @Test("the window bounds packets in flight (80 by default, a parameter)")
    func window() throws {
        #expect(PipelineAckTracker(pipelineSize: 1).packetsInFlightMax == 80)
        var tracker = PipelineAckTracker(pipelineSize: 1, packetsInFlightMax: 3)
        for seqno in 0..<3 {
            #expect(tracker.canSend)
            try tracker.willSend(header(Int64(seqno)))
        }
        #expect(!tracker.canSend)
        #expect(throws: PipelineSendRejection.windowFull(limit: 3)) { try tracker.willSend(header(3)) }
        _ = tracker.receive(ack(0, [.success]))
        #expect(tracker.canSend)
        try tracker.willSend(header(3))
        #expect(throws: PipelineSendRejection.seqnoNotIncreasing(previous: 3, seqno: 3)) {
            _ = tracker.receive(ack(1, [.success]))
            try tracker.willSend(header(3))
        }
    }

    @Test("a datanode relays its mirror's replies after its own")
    func upstreamRelay() {
        let downstream = PipelineAcks.make(seqno: 7, replies: [PipelineAckReply(.success), PipelineAckReply(.success, ecn: 3)],
                                           downstreamAckTimeNanos: 500)
        let upstream = PipelineAcks.upstream(seqno: 7, local: PipelineAckReply(.success), downstream: downstream,
                                             downstreamAckTimeNanos: 900)
        #expect(upstream.seqno == 7)
        #expect(PipelineAcks.replies(of: upstream) == [PipelineAckReply(.success), PipelineAckReply(.success), PipelineAckReply(.success, ecn: 3)])
        #expect(upstream.downstreamAckTimeNanos == 900)
        let last = PipelineAcks.upstream(seqno: 7, local: PipelineAckReply(.errorChecksum), downstream: nil)
        #expect(last.reply == [.errorChecksum])
        #expect(last.flag == [2])
    }
}
