import Foundation
import RFSClient

/// `-getfattr [-R] {-n name | -d} [-e en] <path>` (Hadoop's `XAttrCommands.GetfattrCommand`):
/// "# file: <path>", then each attribute as name=value in the chosen encoding (text in double
/// quotes, hex after 0x, base64 after 0s), or the name alone when it has no value.
struct GetfattrCommand: DFSCommand {
    static let name = "getfattr"
    static let usage = "[-R] {-n name | -d} [-e en] <path>"

    let attribute: String?
    let dump: Bool
    let recursive: Bool
    let encoding: XAttrValueText.Encoding
    let path: String

    init(arguments: [String]) throws(UsageError) {
        var rest = arguments
        attribute = try popOptionWithArgument("-n", from: &rest)
        let encodingName = try popOptionWithArgument("-e", from: &rest)
        if let encodingName {
            guard let chosen = XAttrValueText.Encoding(rawValue: encodingName.uppercased()) else {
                throw UsageError("Invalid/unsupported encoding option specified: \(encodingName)")
            }
            encoding = chosen
        } else {
            encoding = .text
        }
        let parsed = try CommandFormat(min: 0, flags: ["d", "R"]).parse(rest)
        recursive = parsed.has("R")
        dump = parsed.has("d")
        if !dump && attribute == nil { throw UsageError("Must specify '-n name' or '-d' option.") }
        guard let first = parsed.arguments.first else { throw UsageError("<path> is missing.") }
        guard parsed.arguments.count == 1 else { throw UsageError("Too many arguments.") }
        path = first
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument([path]) { item in
            try await context.walk([item], recursive: recursive) { entry in
                context.print("# file: \(entry.display)\n")
                if dump {
                    // FsShell prints the map DFSClient builds, a java.util.HashMap: its order.
                    let found = try await context.fs(entry).xattrs(entry.absolute).map { ($0.name.prefixed, $0.value) }
                    for (name, value) in JavaHashMapOrder.ordered(found, key: \.0) {
                        context.print(XAttrValueText.line(name, value, encoding) + "\n")
                    }
                } else if let attribute {
                    let found = try await context.fs(entry).xattrs(entry.absolute, names: [attribute])
                    if let value = found.first?.value {
                        context.print(XAttrValueText.line(attribute, value, encoding) + "\n")
                    }
                }
            }
        }
        return context.exitCode
    }
}

/// `-setfattr {-n name [-v value] | -x name} <path>` (Hadoop's `XAttrCommands.SetfattrCommand`):
/// sets (creating or replacing) or removes one attribute.
struct SetfattrCommand: DFSCommand {
    static let name = "setfattr"
    static let usage = "{-n name [-v value] | -x name} <path>"

    enum Change {
        case set(name: String, value: [UInt8]?)
        case remove(name: String)
    }

    let change: Change
    let path: String
    /// A -v value that cannot be decoded: FsShell reports it as an error of the command (exit 1).
    let badValue: String?

    init(arguments: [String]) throws(UsageError) {
        var rest = arguments
        let name = try popOptionWithArgument("-n", from: &rest)
        let valueText = try popOptionWithArgument("-v", from: &rest)
        var value: [UInt8]?
        var badValue: String?
        if let valueText {
            switch XAttrValueText.decode(valueText) {
            case .success(let bytes): value = bytes
            case .failure(let why): badValue = why.message
            }
        }
        let removed = try popOptionWithArgument("-x", from: &rest)
        if name != nil && removed != nil { throw UsageError("Can not specify both '-n name' and '-x name' option.") }
        if name == nil && removed == nil { throw UsageError("Must specify '-n name' or '-x name' option.") }
        guard let first = rest.first else { throw UsageError("<path> is missing.") }
        guard rest.count == 1 else { throw UsageError("Too many arguments.") }
        path = first
        self.badValue = badValue
        change = name.map { .set(name: $0, value: value) } ?? .remove(name: removed ?? "")
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        if let badValue {
            context.displayError(badValue)
            return context.exitCode
        }
        try await context.forEachArgument([path]) { item in
            switch change {
            case .set(let name, let value): try await context.fs(item).setXAttr(item.absolute, name: name, value: value)
            case .remove(let name): try await context.fs(item).removeXAttr(item.absolute, name: name)
            }
        }
        return context.exitCode
    }
}

/// XAttrCommands' value conversions, both ways.
enum XAttrValueText {
    enum Encoding: String {
        case text = "TEXT", hex = "HEX", base64 = "BASE64"
    }

    /// `name`, then `=value` when there is a value: "text" in quotes, 0x hex, 0s base64.
    static func line(_ name: String, _ value: [UInt8], _ encoding: Encoding) -> String {
        guard !value.isEmpty else { return name }
        switch encoding {
        case .text: return name + "=\"" + String(decoding: value, as: UTF8.self) + "\""
        case .hex: return name + "=0x" + value.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        case .base64: return name + "=0s" + Data(value).base64EncodedString()
        }
    }

    /// A -v argument: "quoted" text, 0x/0X hex, 0s/0S base64, else the text's UTF-8 bytes.
    /// A bad hex value fails with the message Hadoop prints (commons-codec's DecoderException).
    static func decode(_ text: String) -> Result<[UInt8], XAttrValueError> {
        guard text.count >= 2 else { return .success(Array(text.utf8)) }
        if text.hasPrefix("\"") && text.hasSuffix("\"") { return .success(Array(text.dropFirst().dropLast().utf8)) }
        let prefix = text.prefix(2).lowercased()
        let body = String(text.dropFirst(2))
        if prefix == "0x" {
            let digits = Array(body)
            guard digits.count % 2 == 0 else { return .failure(XAttrValueError("org.apache.commons.codec.DecoderException: Odd number of characters.")) }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(digits.count / 2)
            for index in stride(from: 0, to: digits.count, by: 2) {
                for (offset, digit) in digits[index...(index + 1)].enumerated() where digit.hexDigitValue == nil {
                    return .failure(XAttrValueError("org.apache.commons.codec.DecoderException: Illegal hexadecimal character \(digit) at index \(index + offset)"))
                }
                bytes.append(UInt8(digits[index].hexDigitValue! << 4 | digits[index + 1].hexDigitValue!))
            }
            return .success(bytes)
        }
        if prefix == "0s" {
            // commons-codec skips what is not in the alphabet and needs no padding.
            let alphabet = body.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" || $0 == "-" || $0 == "_") }
                .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            let padded = alphabet + String(repeating: "=", count: (4 - alphabet.count % 4) % 4)
            return .success(Data(base64Encoded: padded).map { [UInt8]($0) } ?? [])
        }
        return .success(Array(text.utf8))
    }
}

struct XAttrValueError: Error, Equatable {
    let message: String
    init(_ message: String) { self.message = message }
}

extension XAttrValueError: CustomStringConvertible {
    var description: String { message }
}

private extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// Hadoop's StringUtils.popOptionWithArgument: removes `option` and the value after it from
/// anywhere before a "--", and answers the value (nil when the option is absent).
func popOptionWithArgument(_ option: String, from arguments: inout [String]) throws(UsageError) -> String? {
    for index in arguments.indices {
        if arguments[index] == "--" { return nil }
        guard arguments[index] == option else { continue }
        guard index + 1 < arguments.count else { throw UsageError("option \(option) requires 1 argument.") }
        let value = arguments[index + 1]
        arguments.removeSubrange(index...(index + 1))
        return value
    }
    return nil
}

/// The iteration order of a java.util.HashMap<String, _> filled in the given order (default
/// capacity 16, load factor 0.75, doubling): by bucket of the key's spread String.hashCode,
/// keys sharing a bucket in insertion order. FsShell prints some maps in this order.
enum JavaHashMapOrder {
    static func ordered<Element>(_ elements: [Element], key: (Element) -> String) -> [Element] {
        var capacity = 16
        while elements.count > capacity * 3 / 4 { capacity *= 2 }
        let buckets = elements.enumerated().map { (index: $0.offset, bucket: Int(spreadHash(key($0.element)) & UInt32(capacity - 1))) }
        return buckets.sorted { ($0.bucket, $0.index) < ($1.bucket, $1.index) }.map { elements[$0.index] }
    }

    /// String.hashCode over UTF-16 code units, then HashMap.hash's h ^ (h >>> 16).
    static func spreadHash(_ text: String) -> UInt32 {
        var hash: UInt32 = 0
        for unit in text.utf16 { hash = hash &* 31 &+ UInt32(unit) }
        return hash ^ (hash >> 16)
    }
}
