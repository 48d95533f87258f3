import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import SwiftProtobuf
import Testing

@Suite("Varint-delimited replies and statuses")
struct DelimitedMessageTests {
    @Test("ClientReadStatusProto{CHECKSUM_OK} is three bytes: length 2, field 1, status 6")
    func clientReadStatusBytes() throws {
        let bytes = try DelimitedMessage.encode(DataTransferReplies.clientReadStatus(checksumsVerified: true))
        #expect(bytes == [0x02, 0x08, 0x06])
        #expect(try DelimitedMessage.encode(DataTransferReplies.clientReadStatus(checksumsVerified: false)) == [0x02, 0x08, 0x02])
    }

    @Test("a READ_BLOCK reply round-trips and announces the checksum and the chunk offset")
    func readReply() throws {
        let reply = DataTransferReplies.readAccepted(checksum: .hdfsDefault, chunkOffset: 1024)
        let bytes = try DelimitedMessage.encode(reply)
        for cut in 0..<bytes.count {
            #expect(DelimitedMessage.parse(Hadoop_Hdfs_BlockOpResponseProto.self, from: bytes[0..<cut]) == .needMoreBytes)
        }
        let parsed = DelimitedMessage.parse(Hadoop_Hdfs_BlockOpResponseProto.self, from: bytes + [9, 9])
        #expect(parsed == .message(reply, consumedBytes: bytes.count))
        #expect(reply.status == .success)
        #expect(reply.readOpChecksumInfo.chunkOffset == 1024)
        #expect(try ChunkedChecksum(proto: reply.readOpChecksumInfo.checksum) == .hdfsDefault)
    }

    @Test("write replies always carry firstBadLink, as DataXceiver writes them")
    func writeReplies() throws {
        #expect(DataTransferReplies.writeAccepted().hasFirstBadLink)
        let failed = DataTransferReplies.writeFailed(firstBadLink: "10.0.0.2:9866", message: "connect refused")
        let bytes = try DelimitedMessage.encode(failed)
        #expect(DelimitedMessage.parse(Hadoop_Hdfs_BlockOpResponseProto.self, from: bytes) == .message(failed, consumedBytes: bytes.count))
        #expect(failed.status == .error)
    }

    @Test("pipeline acks and transfer acks round-trip")
    func acks() throws {
        let ack = PipelineAcks.make(seqno: 42, replies: [PipelineAckReply(.success), PipelineAckReply(.success, ecn: 3)])
        let bytes = try DelimitedMessage.encode(ack)
        #expect(DelimitedMessage.parse(Hadoop_Hdfs_PipelineAckProto.self, from: bytes) == .message(ack, consumedBytes: bytes.count))
        #expect(ack.flag == [0, 3 << 5])
        let transfer = DataTransferReplies.transferAck(.success)
        let transferBytes = try DelimitedMessage.encode(transfer)
        #expect(transferBytes == [0x02, 0x08, 0x00])
        #expect(DelimitedMessage.parse(Hadoop_Hdfs_DNTransferAckProto.self, from: transferBytes) == .message(transfer, consumedBytes: 3))
    }

    @Test("a length over the bound, a malformed varint and garbage are typed errors")
    func badInput() {
        #expect(DelimitedMessage.parse(Hadoop_Hdfs_PipelineAckProto.self, from: [0x81, 0x80, 0x40] as [UInt8])
            == .invalid(.tooLarge(message: "hadoop.hdfs.PipelineAckProto", length: (1 << 20) + 1, limit: 1 << 20)))
        #expect(DelimitedMessage.parse(Hadoop_Hdfs_PipelineAckProto.self, from: [UInt8](repeating: 0x80, count: 11))
            == .invalid(.malformedLength(message: "hadoop.hdfs.PipelineAckProto")))
        guard case .invalid(.undecodable) = DelimitedMessage.parse(Hadoop_Hdfs_PipelineAckProto.self, from: [2, 0xFF, 0xFF] as [UInt8]) else {
            Issue.record("garbage decoded")
            return
        }
    }

    @Test("checksum settings from a peer are checked before ChunkedChecksum (which traps) sees them")
    func checksumSettings() throws {
        var proto = Hadoop_Hdfs_ChecksumProto()
        proto.type = .checksumCrc32
        proto.bytesPerChecksum = 0
        #expect(throws: ChecksumSettingsRejection.bytesPerChecksumOutOfRange(0, limit: 8 << 20)) { try ChunkedChecksum(proto: proto) }
        proto.bytesPerChecksum = 1024
        #expect(try ChunkedChecksum(proto: proto) == ChunkedChecksum(type: .crc32, bytesPerChecksum: 1024))
        #expect(ChunkedChecksum(type: .null, bytesPerChecksum: 512).proto.type == .checksumNull)
    }
}
