import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import SwiftProtobuf
import Testing

@Suite("Op requests: u16 version | u8 opcode | varint-delimited Op…Proto")
struct OpRequestTests {
    let read = readBlockRequest(offset: 512, length: 1024)

    @Test("a request's bytes are the version, the opcode, the varint length and the body")
    func byteLayout() throws {
        let request = try OpRequest(opcode: .readBlock, message: read)
        let body: [UInt8] = try read.serializedBytes()
        #expect(body.count < 128, "one-byte varint expected for this body")
        #expect(request.bytes == [0x00, 0x1C, 81, UInt8(body.count)] + body)
        #expect(request.body == body)
    }

    @Test("a two-byte varint length for a body of 300 bytes")
    func twoByteLength() {
        let request = OpRequest(opcode: .writeBlock, body: [UInt8](repeating: 7, count: 300))
        #expect(Array(request.bytes.prefix(5)) == [0x00, 0x1C, 80, 0xAC, 0x02])
        #expect(request.bytes.count == 305)
    }

    @Test("round trip through parse and decodeOperation, for every op rfs decodes")
    func roundTrip() throws {
        var checksum = Hadoop_Hdfs_OpBlockChecksumProto()
        checksum.header = read.header.baseHeader
        var transfer = Hadoop_Hdfs_OpTransferBlockProto()
        transfer.header = read.header
        var write = Hadoop_Hdfs_OpWriteBlockProto()
        write.header = read.header
        write.stage = .pipelineSetupCreate
        write.pipelineSize = 3
        write.minBytesRcvd = 0
        write.maxBytesRcvd = 0
        write.latestGenerationStamp = 1000
        write.requestedChecksum = ChunkedChecksum.hdfsDefault.proto
        let operations: [DataTransferOperation] = [.readBlock(read), .writeBlock(write), .blockChecksum(checksum),
                                                   .transferBlock(transfer), .unsupported(.custom, body: [1, 2, 3])]
        var shortCircuit = Hadoop_Hdfs_OpRequestShortCircuitAccessProto()
        shortCircuit.header = read.header.baseHeader
        shortCircuit.maxVersion = 1
        var shm = Hadoop_Hdfs_ShortCircuitShmRequestProto()
        shm.clientName = "c"
        let shortCircuitOperations: [DataTransferOperation] = [.requestShortCircuitFds(shortCircuit), .requestShortCircuitShm(shm)]
        for operation in operations + shortCircuitOperations {
            let bytes = try OpRequest(operation).bytes
            guard case .request(let request, let consumed) = OpRequest.parse(bytes) else {
                Issue.record("\(operation.opcode) did not parse")
                continue
            }
            #expect(consumed == bytes.count)
            #expect(request.opcode == operation.opcode)
            #expect(try request.decodeOperation() == operation)
        }
    }

    @Test("every strict prefix of a request needs more bytes")
    func everyPrefix() throws {
        let bytes = try OpRequest(.readBlock(read)).bytes + [0xAA, 0xBB]
        let requestBytes = bytes.count - 2
        for cut in 0..<requestBytes {
            #expect(OpRequest.parse(bytes[0..<cut]) == .needMoreBytes, "prefix of \(cut) bytes")
        }
        guard case .request(_, let consumed) = OpRequest.parse(bytes) else {
            Issue.record("the whole request did not parse")
            return
        }
        #expect(consumed == requestBytes)
    }

    @Test("the stateful decoder fed one byte at a time yields the request, then hands over what follows")
    func oneByteAtATime() throws {
        let packet = Packetizer(checksum: .hdfsDefault).lastPacketBytes()
        let bytes = try OpRequest(.readBlock(read)).bytes + packet
        var decoder = OpRequestDecoder()
        var decoded: (DataTransferOpcode, [UInt8])?
        for byte in bytes {
            decoder.append([byte])
            if decoded == nil, case .request(let opcode, let body) = decoder.next() { decoded = (opcode, body) }
            else if decoded == nil { #expect(decoder.next() == .needMoreBytes) }
        }
        #expect(decoded?.0 == .readBlock)
        #expect(try decoded.map { try Hadoop_Hdfs_OpReadBlockProto(serializedBytes: $0.1) } == read)
        #expect(decoder.takeBufferedBytes() == packet)
        #expect(decoder.bufferedBytes == 0)
    }

    @Test("another version is refused at once, naming both versions")
    func versionMismatch() {
        let parse = OpRequest.parse([0x00, 0x1B])
        #expect(parse == .invalid(.versionMismatch(received: 27, expected: 28)))
        if case .invalid(let reason) = parse {
            #expect(reason.description.contains("expected 28"))
            #expect(reason.description.contains("received 27"))
        }
    }

    @Test("SASL's magic number is recognised, once four bytes are in")
    func saslMagic() {
        #expect(OpRequest.parse([0xDE, 0xAD]) == .needMoreBytes)
        #expect(OpRequest.parse([0xDE, 0xAD, 0xBE]) == .needMoreBytes)
        #expect(OpRequest.parse([0xDE, 0xAD, 0xBE, 0xEF]) == .invalid(.saslHandshake))
        #expect(OpRequest.parse([0xDE, 0xAD, 0x00, 0x00]) == .invalid(.versionMismatch(received: 0xDEAD, expected: 28)))
    }

    @Test("an unknown opcode is refused")
    func unknownOpcode() {
        #expect(OpRequest.parse([0x00, 0x1C, 7]) == .invalid(.unknownOpcode(7)))
        #expect(OpRequest.parse([0x00, 0x1C, 79, 0]) == .invalid(.unknownOpcode(79)))
    }

    @Test("a length over the bound is refused before the body arrives")
    func lengthOverBound() {
        // 1 MiB + 1 as a varint: 0x81 0x80 0x40.
        #expect(OpRequest.parse([0x00, 0x1C, 80, 0x81, 0x80, 0x40])
            == .invalid(.bodyTooLarge(opcode: .writeBlock, length: (1 << 20) + 1, limit: 1 << 20)))
        #expect(OpRequest.parse([0x00, 0x1C, 80, 0x81, 0x80, 0x40], bodyBytesMax: 2 << 20) == .needMoreBytes)
        #expect(OpRequest.parse([0x00, 0x1C, 81, 100], bodyBytesMax: 99)
            == .invalid(.bodyTooLarge(opcode: .readBlock, length: 100, limit: 99)))
    }

    @Test("a varint of more than ten bytes is refused")
    func malformedVarint() {
        let bytes: [UInt8] = [0x00, 0x1C, 81] + [UInt8](repeating: 0xFF, count: 10)
        #expect(OpRequest.parse(bytes) == .invalid(.malformedLength(opcode: .readBlock)))
        #expect(OpRequest.parse(Array(bytes.prefix(12))) == .needMoreBytes)
    }

    @Test("a body that is not the op's message is a typed rejection")
    func undecodableBody() throws {
        let request = OpRequest(opcode: .readBlock, body: [0xFF, 0xFF])
        #expect(throws: OpRequestRejection.self) { try request.decodeOperation() }
    }

    @Test("a rejection is final for the stateful decoder")
    func stickyRejection() {
        var decoder = OpRequestDecoder()
        decoder.append([0x00, 0x1C, 200])
        #expect(decoder.next() == .invalid(.unknownOpcode(200)))
        decoder.append([0x00, 0x1C, 81, 0])
        #expect(decoder.next() == .invalid(.unknownOpcode(200)))
    }

    @Test("requests we send carry every proto2 required field")
    func strictEncoding() {
        #expect(throws: (any Error).self) { try OpRequest(opcode: .readBlock, message: Hadoop_Hdfs_OpReadBlockProto()) }
    }
}

extension Packetizer {
    /// The frame of an empty last packet at this packetizer's position.
    func lastPacketBytes() -> [UInt8] {
        var copy = self
        return copy.lastPacket().bytes
    }
}
