import NIOCore
import RFSModel
import SwiftProtobuf

// Hadoop RPC framing, drawn once:
//
//   connection := preamble frame*
//   preamble   := "hrpc" u8 version(9) u8 serviceClass u8 authProtocol(0 NONE | -33 SASL)
//   frame      := u32be length, then `length` bytes of:
//                 varint-delimited RpcRequestHeaderProto   (client → server)
//                 varint-delimited payload …               (IpcConnectionContextProto, or
//                                                           RequestHeaderProto + request)
//   reply      := u32be length, varint-delimited RpcResponseHeaderProto,
//                 varint-delimited response (on SUCCESS only)

/// The first seven bytes a Hadoop client sends.
public struct HadoopPreamble: Sendable, Equatable {
    public static let magic: [UInt8] = Array("hrpc".utf8)
    public static let authNone: UInt8 = 0
    /// -33 as a signed byte.
    public static let authSASL: UInt8 = 0xDF

    public var version: UInt8
    public var serviceClass: UInt8
    public var authProtocol: UInt8

    public init(version: UInt8 = HDFSDefaults.rpcVersion, serviceClass: UInt8 = 0, authProtocol: UInt8 = authNone) {
        self.version = version
        self.serviceClass = serviceClass
        self.authProtocol = authProtocol
    }

    public var bytes: [UInt8] { Self.magic + [version, serviceClass, authProtocol] }
}

/// Why a peer's bytes could not be framed. Each case closes the connection.
public enum FramingError: Error, Equatable, CustomStringConvertible {
    case badMagic(firstBytes: [UInt8])
    case frameTooLarge(length: UInt32, limit: Int)
    case malformedVarint
    case delimitedLengthExceedsFrame(length: UInt64, remaining: Int)
    case truncatedMessage(String)
    case undecodable(message: String, reason: String)

    public var description: String {
        switch self {
        case .badMagic(let bytes):
            let printable = String(decoding: bytes.map { (32...126).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            return "not a Hadoop RPC connection: preamble starts with '\(printable)', expected 'hrpc'"
        case .frameTooLarge(let length, let limit):
            return "frame length \(length) exceeds the limit of \(limit) bytes (ipc.maximum.data.length)"
        case .malformedVarint:
            return "malformed varint length prefix"
        case .delimitedLengthExceedsFrame(let length, let remaining):
            return "delimited message of \(length) bytes is longer than the \(remaining) bytes left in its frame"
        case .truncatedMessage(let what):
            return "frame ends before its \(what)"
        case .undecodable(let message, let reason):
            return "cannot decode \(message): \(reason)"
        }
    }
}

extension ByteBuffer {
    /// Reads a base-128 varint of at most 10 bytes; nil when more bytes are needed.
    /// Throws on an over-long encoding.
    @inlinable
    mutating func readVarint() throws(FramingError) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var index = readerIndex
        while index < writerIndex {
            guard let byte = getInteger(at: index, as: UInt8.self) else { return nil }
            index += 1
            if shift == 63 && byte > 1 { throw .malformedVarint }
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                moveReaderIndex(to: index)
                return value
            }
            shift += 7
            if shift > 63 { throw .malformedVarint }
        }
        return nil
    }

    @inlinable
    mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        writeInteger(UInt8(v))
    }

    /// Reads one varint-delimited protobuf message that must lie inside this buffer (a
    /// whole frame). Missing proto2 `required` fields are tolerated here because some
    /// clients (hdfs-native) omit them; semantic checks belong to the handler.
    mutating func readDelimited<M: Message>(_ type: M.Type) throws(FramingError) -> M {
        guard let length = try readVarint() else { throw .truncatedMessage("\(M.protoMessageName) length") }
        guard length <= UInt64(readableBytes) else {
            throw .delimitedLengthExceedsFrame(length: length, remaining: readableBytes)
        }
        let bytes = readBytes(length: Int(length))!
        do {
            return try M(serializedBytes: bytes, partial: true)
        } catch {
            throw .undecodable(message: M.protoMessageName, reason: "\(error)")
        }
    }

    /// Reads the rest of the buffer as one varint-delimited message, or nil when the buffer
    /// is already empty (a reply with no body).
    mutating func readOptionalDelimited<M: Message>(_ type: M.Type) throws(FramingError) -> M? {
        readableBytes == 0 ? nil : try readDelimited(type)
    }
}

/// Serialized pieces of one frame. Messages are serialized before the length is known,
/// then written behind one length prefix, so a frame goes out in a single write.
struct OutboundFrame {
    private var parts: [[UInt8]] = []

    mutating func append(_ message: some Message) throws {
        // proto2 `required` fields are enforced on what we send: the Java client rejects
        // messages that lack them.
        parts.append(try message.serializedBytes())
    }

    mutating func append(serialized bytes: [UInt8]) {
        parts.append(bytes)
    }

    func write(into buffer: inout ByteBuffer) {
        var total = 0
        for part in parts { total += varintSize(UInt64(part.count)) + part.count }
        buffer.reserveCapacity(minimumWritableBytes: 4 + total)
        buffer.writeInteger(UInt32(total))
        for part in parts {
            buffer.writeVarint(UInt64(part.count))
            buffer.writeBytes(part)
        }
    }

    func buffer(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 0)
        write(into: &buffer)
        return buffer
    }
}

@inlinable
func varintSize(_ value: UInt64) -> Int {
    var size = 1
    var v = value >> 7
    while v != 0 { size += 1; v >>= 7 }
    return size
}

/// Splits inbound bytes into Hadoop RPC frames: for a server, first the preamble, then
/// length-prefixed frames; for a client, frames only. A length prefix above the limit is
/// refused before anything is allocated for it.
public struct HadoopFrameDecoder: ByteToMessageDecoder {
    public enum InboundOut: Sendable {
        case preamble(HadoopPreamble)
        case frame(ByteBuffer)
    }

    private var expectingPreamble: Bool
    private let maxFrameBytes: Int

    public init(expectingPreamble: Bool, maxFrameBytes: Int) {
        self.expectingPreamble = expectingPreamble
        self.maxFrameBytes = maxFrameBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if expectingPreamble {
            // Refuse a wrong magic as soon as its first bytes disagree, without waiting
            // for all seven (an HTTP client would otherwise wait for nothing).
            let available = min(buffer.readableBytes, HadoopPreamble.magic.count)
            if let head = buffer.getBytes(at: buffer.readerIndex, length: available),
               head != Array(HadoopPreamble.magic.prefix(available)) {
                throw FramingError.badMagic(firstBytes: head)
            }
            guard buffer.readableBytes >= Limits.rpcPreambleBytes else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: HadoopPreamble.magic.count)
            let version = buffer.readInteger(as: UInt8.self)!
            let serviceClass = buffer.readInteger(as: UInt8.self)!
            let auth = buffer.readInteger(as: UInt8.self)!
            expectingPreamble = false
            context.fireChannelRead(wrapInboundOut(.preamble(HadoopPreamble(version: version, serviceClass: serviceClass, authProtocol: auth))))
            return .continue
        }
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length <= UInt32(maxFrameBytes) else {
            throw FramingError.frameTooLarge(length: length, limit: maxFrameBytes)
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        let frame = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(wrapInboundOut(.frame(frame)))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A peer that closes mid-frame loses that frame; nothing partial is delivered.
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
