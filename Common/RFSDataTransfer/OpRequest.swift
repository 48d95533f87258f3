import RFSChecksum
import RFSProtocol
import SwiftProtobuf

// A DataTransferProtocol request, drawn once:
//
//   request := u16be version (28) | u8 opcode | varint length | Op…Proto (length bytes)
//
// Sender.java writes exactly this (writeShort, writeByte, writeDelimitedTo); Receiver.readOp
// refuses any other version ("Version Mismatch (Expected: 28, Received: n )") before it reads
// the opcode. With SASL data-transfer protection on, a client opens with the u32 magic
// 0xDEADBEEF instead (DataTransferSaslUtil.SASL_TRANSFER_MAGIC_NUMBER), which rfs does not
// speak and names as such.

/// One request: the opcode and its serialized Op…Proto.
public struct OpRequest: Sendable, Hashable {
    public var opcode: DataTransferOpcode
    /// The serialized Op…Proto, without its length prefix.
    public var body: [UInt8]

    public init(opcode: DataTransferOpcode, body: [UInt8]) {
        self.opcode = opcode
        self.body = body
    }

    /// A request carrying `message`. Throws if a proto2 `required` field is missing: the Java
    /// datanode refuses such messages, so we never send one.
    public init(opcode: DataTransferOpcode, message: some SwiftProtobuf.Message) throws {
        self.init(opcode: opcode, body: try message.serializedBytes())
    }

    /// The request as it travels: version, opcode, varint length, body.
    public var bytes: [UInt8] {
        let total = 3 + WireBytes.varintSize(UInt64(body.count)) + body.count
        return [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            WireBytes.store(DataTransferProtocolInfo.version, into: raw, at: 0)
            raw[2] = opcode.rawValue
            let bodyStart = WireBytes.writeVarint(UInt64(body.count), into: raw, at: 3)
            body.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[bodyStart...]).copyMemory(from: $0) }
            initialized = total
        }
    }
}

/// Why the bytes at the start of a data-transfer connection are not a request we serve.
/// Every case closes the connection; `description` is what the log line and, where the
/// protocol allows, the ERROR reply say.
public enum OpRequestRejection: Error, Hashable, Sendable, CustomStringConvertible {
    case versionMismatch(received: UInt16, expected: UInt16)
    /// The client opened with SASL's magic number: it expects `dfs.data.transfer.protection`.
    case saslHandshake
    case unknownOpcode(UInt8)
    case malformedLength(opcode: DataTransferOpcode)
    case bodyTooLarge(opcode: DataTransferOpcode, length: UInt64, limit: Int)
    case undecodableBody(opcode: DataTransferOpcode, reason: String)

    public var description: String {
        switch self {
        case .versionMismatch(let received, let expected):
            "DataTransferProtocol version mismatch: expected \(expected), received \(received)"
        case .saslHandshake:
            "the client started a SASL handshake (dfs.data.transfer.protection is set on the client); "
                + "this datanode speaks DataTransferProtocol without SASL"
        case .unknownOpcode(let code):
            "unknown DataTransferProtocol opcode \(code)"
        case .malformedLength(let opcode):
            "malformed varint length in front of the \(opcode) request"
        case .bodyTooLarge(let opcode, let length, let limit):
            "\(opcode) request of \(length) bytes exceeds the limit of \(limit) bytes"
        case .undecodableBody(let opcode, let reason):
            "cannot decode the \(opcode) request: \(reason)"
        }
    }
}

/// What the bytes at the start of a buffer hold.
public enum OpRequestParse: Sendable, Hashable {
    case needMoreBytes
    /// A whole request; `consumedBytes` is its length on the wire (what follows it, such as
    /// the packets of a WRITE_BLOCK, starts there).
    case request(OpRequest, consumedBytes: Int)
    case invalid(OpRequestRejection)
}

extension OpRequest {
    /// The SASL handshake's first four bytes (`SASL_TRANSFER_MAGIC_NUMBER`).
    static let saslMagic: UInt32 = 0xDEAD_BEEF

    /// Parses one request from the start of `bytes`, without consuming anything: the caller
    /// (a NIO decoder, say) moves its reader index by `consumedBytes`. A length above
    /// `bodyBytesMax` is refused as soon as the varint is complete, before the body arrives.
    public static func parse(_ bytes: UnsafeRawBufferPointer,
                             bodyBytesMax: Int = DataTransferLimits.opRequestBytesMax) -> OpRequestParse {
        guard bytes.count >= 2 else { return .needMoreBytes }
        let version = WireBytes.loadUInt16(bytes, at: 0)
        if version != DataTransferProtocolInfo.version {
            return rejectVersion(version, bytes)
        }
        guard bytes.count >= 3 else { return .needMoreBytes }
        guard let opcode = DataTransferOpcode(rawValue: bytes[2]) else { return .invalid(.unknownOpcode(bytes[2])) }
        return parseBody(of: opcode, WireBytes.slice(bytes, 3..<bytes.count), bodyBytesMax: bodyBytesMax)
    }

    public static func parse(_ bytes: some ContiguousBytes,
                             bodyBytesMax: Int = DataTransferLimits.opRequestBytesMax) -> OpRequestParse {
        bytes.withUnsafeBytes { parse($0, bodyBytesMax: bodyBytesMax) }
    }

    private static func rejectVersion(_ version: UInt16, _ bytes: UnsafeRawBufferPointer) -> OpRequestParse {
        // 0xDEAD may be the start of the SASL magic; two more bytes tell.
        guard version == UInt16(saslMagic >> 16) else {
            return .invalid(.versionMismatch(received: version, expected: DataTransferProtocolInfo.version))
        }
        guard bytes.count >= 4 else { return .needMoreBytes }
        if WireBytes.loadUInt32(bytes, at: 0) == saslMagic { return .invalid(.saslHandshake) }
        return .invalid(.versionMismatch(received: version, expected: DataTransferProtocolInfo.version))
    }

    private static func parseBody(of opcode: DataTransferOpcode, _ rest: UnsafeRawBufferPointer,
                                  bodyBytesMax: Int) -> OpRequestParse {
        switch WireBytes.readVarint(rest) {
        case .needMoreBytes:
            return .needMoreBytes
        case .malformed:
            return .invalid(.malformedLength(opcode: opcode))
        case .value(let length, let prefixBytes):
            guard length <= UInt64(bodyBytesMax) else {
                return .invalid(.bodyTooLarge(opcode: opcode, length: length, limit: bodyBytesMax))
            }
            let end = prefixBytes + Int(length)
            guard rest.count >= end else { return .needMoreBytes }
            let body = WireBytes.copy(WireBytes.slice(rest, prefixBytes..<end))
            return .request(OpRequest(opcode: opcode, body: body), consumedBytes: 3 + end)
        }
    }
}

/// Requests read from a byte stream you append to, for shells that do not keep their own
/// buffer. After an `.invalid` every later call answers the same: the connection is done.
public struct OpRequestDecoder: Sendable {
    public enum Next: Sendable, Hashable {
        case needMoreBytes
        case request(opcode: DataTransferOpcode, body: [UInt8])
        case invalid(OpRequestRejection)
    }

    public let bodyBytesMax: Int
    private var buffer: [UInt8] = []
    private var rejection: OpRequestRejection?

    public init(bodyBytesMax: Int = DataTransferLimits.opRequestBytesMax) {
        self.bodyBytesMax = bodyBytesMax
    }

    /// Bytes received and not yet returned as part of a request.
    public var bufferedBytes: Int { buffer.count }

    /// Adds received bytes. After a rejection they are dropped: the connection is done.
    public mutating func append(_ bytes: some ContiguousBytes) {
        guard rejection == nil else { return }
        bytes.withUnsafeBytes { WireBytes.append($0, to: &buffer) }
    }

    /// The next request, if the buffer holds all of it.
    public mutating func next() -> Next {
        if let rejection { return .invalid(rejection) }
        switch OpRequest.parse(buffer, bodyBytesMax: bodyBytesMax) {
        case .needMoreBytes:
            return .needMoreBytes
        case .invalid(let reason):
            rejection = reason
            return .invalid(reason)
        case .request(let request, let consumed):
            buffer.removeSubrange(0..<consumed)
            return .request(opcode: request.opcode, body: request.body)
        }
    }

    /// Hands over what follows the request (the first packets of a WRITE_BLOCK, a
    /// ClientReadStatusProto…) and empties the buffer.
    public mutating func takeBufferedBytes() -> [UInt8] {
        defer { buffer = [] }
        return buffer
    }
}
