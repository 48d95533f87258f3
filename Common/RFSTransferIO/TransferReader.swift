import NIOCore
import RFSChecksum
import RFSDataTransfer
import RFSModel
import SwiftProtobuf

/// The receiving side of one DataTransferProtocol connection: bytes from the socket gathered
/// into one `ByteBuffer`, handed out as op requests, varint-delimited messages and packets.
/// Packets come out as slices of the received bytes (no copy), so a datanode can forward a
/// packet downstream and write it to disk from the same memory.
///
/// One task reads at a time; the reader may be handed to another task between reads (the
/// write pipeline reads a mirror's connect reply, then gives the reader to its ack task).
public final class TransferReader: @unchecked Sendable {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffer: ByteBuffer
    /// Bytes held at most while waiting for one message or packet; a peer cannot make us
    /// buffer more (every frame's length is checked against its own bound first).
    public let bufferBytesMax: Int

    public init(inbound: NIOAsyncChannelInboundStream<ByteBuffer>, allocator: ByteBufferAllocator = ByteBufferAllocator(),
                bufferBytesMax: Int = 2 << 20) {
        self.iterator = inbound.makeAsyncIterator()
        self.buffer = allocator.buffer(capacity: 0)
        self.bufferBytesMax = bufferBytesMax
    }

    /// Bytes received and not yet handed out.
    public var bufferedBytes: Int { buffer.readableBytes }

    /// Reads from the socket until at least `count` bytes are buffered; false at a clean end
    /// of stream.
    private func fill(atLeast count: Int) async throws -> Bool {
        while buffer.readableBytes < count {
            guard var more = try await iterator.next() else { return false }
            if buffer.readableBytes == 0 {
                buffer = more
            } else {
                buffer.writeBuffer(&more)
            }
        }
        return true
    }

    /// Reads more bytes; throws `closedByPeer` at end of stream.
    private func fillMore(expecting: String) async throws {
        guard try await fill(atLeast: buffer.readableBytes + 1) else { throw TransferIOError.closedByPeer(expecting: expecting) }
    }

    /// The next op request, or nil when the peer closed the connection between requests
    /// (the normal end of a kept-alive connection).
    public func readOpRequest(bodyBytesMax: Int = DataTransferLimits.opRequestBytesMax) async throws -> OpRequest? {
        while true {
            let parsed = buffer.withUnsafeReadableBytes { OpRequest.parse($0, bodyBytesMax: bodyBytesMax) }
            switch parsed {
            case .request(let request, let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                return request
            case .invalid(let rejection):
                throw TransferIOError.malformed(what: "op request", reason: rejection.description)
            case .needMoreBytes:
                if buffer.readableBytes == 0 {
                    guard try await fill(atLeast: 1) else { return nil }
                } else {
                    try await fillMore(expecting: "the rest of an op request")
                }
            }
        }
    }

    /// The next varint-delimited `M`.
    public func readDelimited<M: SwiftProtobuf.Message & Equatable>(
        _ type: M.Type, messageBytesMax: Int = DataTransferLimits.replyMessageBytesMax
    ) async throws -> M {
        while true {
            let parsed = buffer.withUnsafeReadableBytes { DelimitedMessage.parse(M.self, from: $0, messageBytesMax: messageBytesMax) }
            switch parsed {
            case .message(let message, let consumed):
                buffer.moveReaderIndex(forwardBy: consumed)
                return message
            case .invalid(let error):
                throw TransferIOError.malformed(what: M.protoMessageName, reason: error.description)
            case .needMoreBytes:
                try await fillMore(expecting: M.protoMessageName)
            }
        }
    }

    /// The next packet: its layout and the whole frame as a slice of the received bytes.
    public func readPacket(checksum: ChunkedChecksum, packetBytesMax: Int = Limits.packetBytesMax) async throws -> (PacketLayout, ByteBuffer) {
        while true {
            let parsed: PacketParse
            do {
                parsed = try buffer.withUnsafeReadableBytes { (raw) throws(PacketError) in
                    try PacketFrame.parse(raw, checksum: checksum, packetBytesMax: packetBytesMax)
                }
            } catch {
                throw TransferIOError.badPacket(error)
            }
            switch parsed {
            case .packet(let layout):
                let frame = buffer.readSlice(length: layout.frameBytes)!
                return (layout, frame)
            case .needMoreBytes(let frameBytes):
                if let frameBytes {
                    guard try await fill(atLeast: frameBytes) else { throw TransferIOError.closedByPeer(expecting: "the rest of a packet") }
                } else {
                    try await fillMore(expecting: "a packet")
                }
            }
        }
    }
}
