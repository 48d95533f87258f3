import Foundation

/// Hadoop's XAttrCodec: how an extended attribute's value is written as text, by FsShell's
/// -getfattr/-setfattr and WebHDFS's xattr.value and GETXATTRS: "quoted" UTF-8 text, 0x hex,
/// 0s base64.
public enum XAttrCodec: String, Sendable, CaseIterable {
    case text = "TEXT", hex = "HEX", base64 = "BASE64"

    /// The value written in this encoding (XAttrCodec.encodeValue).
    public func encode(_ value: [UInt8]) -> String {
        switch self {
        case .text: return "\"" + String(decoding: value, as: UTF8.self) + "\""
        case .hex:
            let digits: [Character] = Array("0123456789abcdef")
            var text = "0x"
            text.reserveCapacity(2 + value.count * 2)
            for byte in value {
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0F)])
            }
            return text
        case .base64: return "0s" + Data(value).base64EncodedString()
        }
    }

    /// XAttrCodec.decodeValue: "quoted" text, 0x/0X hex, 0s/0S base64, else the text's UTF-8
    /// bytes. A bad hex value fails with the message Hadoop prints (commons-codec's
    /// DecoderException, wrapped in an IOException).
    public static func decode(_ text: String) throws(XAttrCodecError) -> [UInt8] {
        guard text.count >= 2 else { return Array(text.utf8) }
        if text.hasPrefix("\"") && text.hasSuffix("\"") { return Array(text.dropFirst().dropLast().utf8) }
        let prefix = text.prefix(2).lowercased()
        let body = Array(text.dropFirst(2))
        if prefix == "0x" {
            guard body.count % 2 == 0 else { throw XAttrCodecError("org.apache.commons.codec.DecoderException: Odd number of characters.") }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(body.count / 2)
            for index in stride(from: 0, to: body.count, by: 2) {
                guard let high = body[index].hexDigitValue else {
                    throw XAttrCodecError("org.apache.commons.codec.DecoderException: Illegal hexadecimal character \(body[index]) at index \(index)")
                }
                guard let low = body[index + 1].hexDigitValue else {
                    throw XAttrCodecError("org.apache.commons.codec.DecoderException: Illegal hexadecimal character \(body[index + 1]) at index \(index + 1)")
                }
                bytes.append(UInt8(high << 4 | low))
            }
            return bytes
        }
        if prefix == "0s" {
            // commons-codec skips what is not in the alphabet (either variant) and needs no padding.
            let alphabet = String(body.compactMap { character -> Character? in
                switch character {
                case "-": "+"
                case "_": "/"
                case _ where character.isASCII && (character.isLetter || character.isNumber || character == "+" || character == "/"): character
                default: nil
                }
            })
            let padded = alphabet + String(repeating: "=", count: (4 - alphabet.count % 4) % 4)
            return Data(base64Encoded: padded).map { [UInt8]($0) } ?? []
        }
        return Array(text.utf8)
    }
}

public struct XAttrCodecError: Error, Equatable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
