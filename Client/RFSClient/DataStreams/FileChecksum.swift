import Crypto
import Foundation
import NIOPosix
import RFSDataTransfer
import RFSProtocol
import RFSTransferIO

/// A file's MD5-of-MD5-of-CRC checksum as Hadoop's client computes it (FileChecksumHelper):
/// every block's MD5 of its chunk CRCs from a datanode (BLOCK_CHECKSUM), then the MD5 of
/// those MD5s — over the whole backing array of the buffer Hadoop collects them in (32
/// bytes, doubling), zero tail included, so the value matches `hdfs dfs -checksum`.
public struct FileChecksum: Sendable, Hashable {
    public let bytesPerCRC: UInt32
    public let crcPerBlock: UInt64
    public let crcType: String
    public let md5: [UInt8]

    /// `MD5-of-<crcPerBlock>MD5-of-<bytesPerCRC><CRC32|CRC32C>`.
    public var algorithmName: String { "MD5-of-\(crcPerBlock)MD5-of-\(bytesPerCRC)\(crcType)" }

    /// The bytes FsShell prints in hex: bytesPerCRC, crcPerBlock, then the MD5.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: bytesPerCRC.bigEndian, Array.init) + withUnsafeBytes(of: crcPerBlock.bigEndian, Array.init) + md5
    }

    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }
}

extension FileSystem {
    public func fileChecksum(_ path: String) async throws -> FileChecksum {
        let absolute = try resolve(path)
        let blocks = try await locatedBlocks(absolute).blocks
        var collected: [UInt8] = []
        var bytesPerCRC: UInt32 = 0
        var crcPerBlock: UInt64 = 0
        var crcType = "CRC32"
        for (index, block) in blocks.enumerated() {
            let answer = try await blockChecksum(block)
            collected += answer.blockChecksum
            if index == 0 {
                bytesPerCRC = answer.bytesPerCrc
                crcType = answer.crcType == .checksumCrc32C ? "CRC32C" : "CRC32"
                // Hadoop records crcPerBlock only for files of more than one block.
                if blocks.count > 1 { crcPerBlock = answer.crcPerBlock }
            }
        }
        var capacity = 32
        while capacity < collected.count { capacity *= 2 }
        let digest = Insecure.MD5.hash(data: collected + [UInt8](repeating: 0, count: capacity - collected.count))
        return FileChecksum(bytesPerCRC: bytesPerCRC, crcPerBlock: crcPerBlock, crcType: crcType, md5: Array(digest))
    }

    /// BLOCK_CHECKSUM from the first replica that answers.
    func blockChecksum(_ block: Hadoop_Hdfs_LocatedBlockProto) async throws -> Hadoop_Hdfs_OpBlockChecksumResponseProto {
        var lastError: Error?
        for location in block.locs {
            do {
                let connection = try await TransferConnection.connect(to: location.id,
                                                                      group: MultiThreadedEventLoopGroup.singleton)
                defer { connection.close() }
                var op = Hadoop_Hdfs_OpBlockChecksumProto()
                op.header.block = block.b
                try await connection.send(try OpRequest(opcode: .blockChecksum, message: op))
                let reply = try await connection.reader.readDelimited(Hadoop_Hdfs_BlockOpResponseProto.self)
                guard reply.status == .success, reply.hasChecksumResponse else {
                    throw RemoteException(.ioException, "datanode \(location.id.ipAddr):\(location.id.xferPort): \(reply.message)")
                }
                return reply.checksumResponse
            } catch {
                lastError = error
            }
        }
        throw RemoteException(.ioException, "Fail to get block MD5 for blk_\(block.b.blockID): \(lastError.map { "\($0)" } ?? "no datanode")")
    }
}
