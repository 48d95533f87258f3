import RFSChecksum
import RFSProtocol
import SwiftProtobuf

// Replies and statuses travel as bare varint-delimited protobufs, with no frame around them:
//
//   message := varint length | message bytes
//
// BlockOpResponseProto (the first reply to every op), PipelineAckProto (one per write
// packet, upstream), ClientReadStatusProto (the reader's verdict after a READ_BLOCK),
// DNTransferAckProto (after TRANSFER_BLOCK). Java writes them with writeDelimitedTo and
// reads them with PBHelperClient.vintPrefixed.

/// Why a delimited message could not be read. Each closes the connection.
public enum DelimitedMessageError: Error, Hashable, Sendable, CustomStringConvertible {
    case malformedLength(message: String)
    case tooLarge(message: String, length: UInt64, limit: Int)
    case undecodable(message: String, reason: String)

    public var description: String {
        switch self {
        case .malformedLength(let message):
            "malformed varint length in front of a \(message)"
        case .tooLarge(let message, let length, let limit):
            "\(message) of \(length) bytes exceeds the limit of \(limit) bytes"
        case .undecodable(let message, let reason):
            "cannot decode \(message): \(reason)"
        }
    }
}

/// What the start of a buffer holds.
public enum DelimitedParse<M: SwiftProtobuf.Message & Equatable>: Sendable, Equatable {
    case needMoreBytes
    /// A whole message; `consumedBytes` counts the length prefix too.
    case message(M, consumedBytes: Int)
    case invalid(DelimitedMessageError)
}

public enum DelimitedMessage {
    /// `message` with its varint length in front. Throws if a proto2 `required` field is
    /// missing: the Java side refuses such messages.
    public static func encode(_ message: some SwiftProtobuf.Message) throws -> [UInt8] {
        let body: [UInt8] = try message.serializedBytes()
        let total = WireBytes.varintSize(UInt64(body.count)) + body.count
        return [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            let start = WireBytes.writeVarint(UInt64(body.count), into: raw, at: 0)
            body.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[start...]).copyMemory(from: $0) }
            initialized = total
        }
    }

    /// Parses one `M` from the start of `bytes`, consuming nothing. Missing `required`
    /// fields are tolerated (hdfs-native omits some); a length above `messageBytesMax` is
    /// refused before the message arrives.
    public static func parse<M: SwiftProtobuf.Message & Equatable>(
        _ type: M.Type, from bytes: UnsafeRawBufferPointer,
        messageBytesMax: Int = DataTransferLimits.replyMessageBytesMax
    ) -> DelimitedParse<M> {
        switch WireBytes.readVarint(bytes) {
        case .needMoreBytes:
            return .needMoreBytes
        case .malformed:
            return .invalid(.malformedLength(message: M.protoMessageName))
        case .value(let length, let prefixBytes):
            guard length <= UInt64(messageBytesMax) else {
                return .invalid(.tooLarge(message: M.protoMessageName, length: length, limit: messageBytesMax))
            }
            let end = prefixBytes + Int(length)
            guard bytes.count >= end else { return .needMoreBytes }
            do {
                let body = WireBytes.copy(WireBytes.slice(bytes, prefixBytes..<end))
                return .message(try M(serializedBytes: body, partial: true), consumedBytes: end)
            } catch {
                return .invalid(.undecodable(message: M.protoMessageName, reason: "\(error)"))
            }
        }
    }

    public static func parse<M: SwiftProtobuf.Message & Equatable>(
        _ type: M.Type, from bytes: some ContiguousBytes,
        messageBytesMax: Int = DataTransferLimits.replyMessageBytesMax
    ) -> DelimitedParse<M> {
        bytes.withUnsafeBytes { parse(type, from: $0, messageBytesMax: messageBytesMax) }
    }
}
