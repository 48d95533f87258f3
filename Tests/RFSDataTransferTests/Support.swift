import struct Foundation.Data
import RFSChecksum
import RFSDataTransfer
import RFSProtocol
import Testing

/// A small deterministic generator so failures replay exactly.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(state: seed)
    var out = [UInt8](repeating: 0, count: count)
    out.withUnsafeMutableBytes { raw in
        var i = 0
        while i + 8 <= raw.count {
            raw.storeBytes(of: rng.next(), toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < raw.count { raw[i] = UInt8(truncatingIfNeeded: rng.next()); i += 1 }
    }
    return out
}

func bigEndian32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
}

func littleEndian64(_ value: Int64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> (8 * UInt64($0))) }
}

/// Decodes a whole stream fed in pieces of `pieceBytes` (the last piece possibly shorter).
func decodeStream(_ stream: [UInt8], checksum: ChunkedChecksum, pieceBytes: Int) throws -> [DecodedPacket] {
    var decoder = PacketDecoder(checksum: checksum)
    var packets: [DecodedPacket] = []
    var start = 0
    while start < stream.count {
        let end = min(start + pieceBytes, stream.count)
        decoder.append(stream[start..<end])
        while let packet = try decoder.next() { packets.append(packet) }
        start = end
    }
    try decoder.finish()
    return packets
}

/// A READ_BLOCK request for `length` bytes at `offset` of block 1001.
func readBlockRequest(offset: UInt64, length: UInt64) -> Hadoop_Hdfs_OpReadBlockProto {
    var block = Hadoop_Hdfs_ExtendedBlockProto()
    block.poolID = "BP-1-127.0.0.1-1700000000000"
    block.blockID = 1001
    block.generationStamp = 1000
    block.numBytes = 4096
    var base = Hadoop_Hdfs_BaseHeaderProto()
    base.block = block
    base.token = Hadoop_Common_TokenProto()
    base.token.identifier = Data()
    base.token.password = Data()
    base.token.kind = ""
    base.token.service = ""
    var header = Hadoop_Hdfs_ClientOperationHeaderProto()
    header.baseHeader = base
    header.clientName = "DFSClient_test"
    var request = Hadoop_Hdfs_OpReadBlockProto()
    request.header = header
    request.offset = offset
    request.len = length
    request.sendChecksums = true
    return request
}
