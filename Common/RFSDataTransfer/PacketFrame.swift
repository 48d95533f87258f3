import RFSChecksum

// A data packet, drawn once (as PacketReceiver.doRead draws it):
//
//   packet     := u32be payloadLen | u16be headerLen | header | checksums | data
//   payloadLen  = 4 + checksums + data   (it counts its own four bytes, for historical reasons)
//   headerLen   = bytes of the PacketHeaderProto (25, or 27 with syncBlock)
//   checksums   = one big-endian sum per bytesPerChecksum chunk of data, the last chunk possibly
//                 short: ceil(dataLen / bytesPerChecksum) × checksumSize bytes (none for NULL)
//   frame bytes = 6 + headerLen + checksums + data  =  2 + headerLen + payloadLen
//
// The same frame carries writes (client → datanode → mirrors) and reads (datanode → client).
// Java refuses a packet when payloadLen + headerLen exceeds 16 MiB (PacketReceiver.MAX_PACKET_SIZE).

/// A packet ready to send, with the header it carries.
public struct EncodedPacket: Sendable, Hashable {
    public let header: PacketHeader
    /// The whole frame.
    public let bytes: [UInt8]
}

public enum PacketFrame {
    /// `payloadLen` for a packet of `checksumBytes` + `dataBytes`.
    public static func payloadLength(checksumBytes: Int, dataBytes: Int) -> Int {
        4 + checksumBytes + dataBytes
    }

    /// Bytes of a whole frame.
    public static func frameBytes(headerBytes: Int, checksumBytes: Int, dataBytes: Int) -> Int {
        DataTransferLimits.packetLengthPrefixBytes + headerBytes + checksumBytes + dataBytes
    }

    /// The frame for `data`, its sums computed by `checksum` straight into the frame.
    /// `header.dataLen` must equal `data.count`.
    public static func encode(_ header: PacketHeader, data: UnsafeRawBufferPointer, checksum: ChunkedChecksum) -> [UInt8] {
        precondition(Int(header.dataLen) == data.count, "\(header) does not match \(data.count) data bytes")
        let checksumBytes = checksum.checksumsLength(forDataLength: data.count)
        return build(header, checksumBytes: checksumBytes, dataBytes: data.count) { sums, dataOut in
            checksum.compute(data, into: sums)
            dataOut.copyMemory(from: data)
        }
    }

    /// Bytes of the frame `encode(_:data:checksum:into:)` writes for `header`.
    public static func frameBytes(_ header: PacketHeader, checksum: ChunkedChecksum) -> Int {
        let dataBytes = Int(header.dataLen)
        return frameBytes(headerBytes: header.encodedBytes, checksumBytes: checksum.checksumsLength(forDataLength: dataBytes),
                          dataBytes: dataBytes)
    }

    /// The frame for `data` written into `out` (exactly `frameBytes(header, checksum:)` long),
    /// for a sender whose socket buffer is the frame's only home: the data is copied once, the
    /// sums computed straight into place.
    public static func encode(_ header: PacketHeader, data: UnsafeRawBufferPointer, checksum: ChunkedChecksum,
                              into out: UnsafeMutableRawBufferPointer) {
        precondition(Int(header.dataLen) == data.count, "\(header) does not match \(data.count) data bytes")
        precondition(out.count == frameBytes(header, checksum: checksum), "a frame of \(out.count) bytes for \(header)")
        let checksumBytes = checksum.checksumsLength(forDataLength: data.count)
        let sumsStart = writePrefix(header, checksumBytes: checksumBytes, dataBytes: data.count, into: out)
        let dataStart = sumsStart + checksumBytes
        checksum.compute(data, into: UnsafeMutableRawBufferPointer(rebasing: out[sumsStart..<dataStart]))
        UnsafeMutableRawBufferPointer(rebasing: out[dataStart...]).copyMemory(from: data)
    }

    public static func encode(_ header: PacketHeader, data: some ContiguousBytes, checksum: ChunkedChecksum) -> [UInt8] {
        data.withUnsafeBytes { encode(header, data: $0, checksum: checksum) }
    }

    /// The frame for `data` with sums already at hand (a datanode sending a stored replica
    /// with the sums of its meta file). `header.dataLen` must equal `data.count`.
    public static func encode(_ header: PacketHeader, checksums: UnsafeRawBufferPointer, data: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(Int(header.dataLen) == data.count, "\(header) does not match \(data.count) data bytes")
        return build(header, checksumBytes: checksums.count, dataBytes: data.count) { sums, dataOut in
            sums.copyMemory(from: checksums)
            dataOut.copyMemory(from: data)
        }
    }

    /// Everything in front of the data (lengths, header, sums), for a sender that writes the
    /// data itself straight from the block file (sendfile, as BlockSender's transferTo does).
    /// `header.dataLen` says how many data bytes will follow.
    public static func encodeHead(_ header: PacketHeader, checksums: UnsafeRawBufferPointer) -> [UInt8] {
        let dataBytes = Int(header.dataLen)
        let headBytes = frameBytes(headerBytes: header.encodedBytes, checksumBytes: checksums.count, dataBytes: 0)
        return [UInt8](unsafeUninitializedCapacity: headBytes) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            let sumsStart = writePrefix(header, checksumBytes: checksums.count, dataBytes: dataBytes, into: raw)
            UnsafeMutableRawBufferPointer(rebasing: raw[sumsStart...]).copyMemory(from: checksums)
            initialized = headBytes
        }
    }

    /// Allocates the frame once and lets `fill` write the sums and the data in place.
    private static func build(_ header: PacketHeader, checksumBytes: Int, dataBytes: Int,
                              fill: (UnsafeMutableRawBufferPointer, UnsafeMutableRawBufferPointer) -> Void) -> [UInt8] {
        let total = frameBytes(headerBytes: header.encodedBytes, checksumBytes: checksumBytes, dataBytes: dataBytes)
        return [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            let sumsStart = writePrefix(header, checksumBytes: checksumBytes, dataBytes: dataBytes, into: raw)
            let dataStart = sumsStart + checksumBytes
            fill(UnsafeMutableRawBufferPointer(rebasing: raw[sumsStart..<dataStart]),
                 UnsafeMutableRawBufferPointer(rebasing: raw[dataStart..<total]))
            initialized = total
        }
    }

    /// Writes payloadLen, headerLen and the header; returns where the sums start.
    private static func writePrefix(_ header: PacketHeader, checksumBytes: Int, dataBytes: Int,
                                     into raw: UnsafeMutableRawBufferPointer) -> Int {
        let payload = payloadLength(checksumBytes: checksumBytes, dataBytes: dataBytes)
        precondition(payload <= Int(Int32.max), "packet payload of \(payload) bytes cannot be framed")
        WireBytes.store(UInt32(payload), into: raw, at: 0)
        WireBytes.store(UInt16(header.encodedBytes), into: raw, at: 4)
        header.encode(into: raw, at: DataTransferLimits.packetLengthPrefixBytes)
        return DataTransferLimits.packetLengthPrefixBytes + header.encodedBytes
    }
}
