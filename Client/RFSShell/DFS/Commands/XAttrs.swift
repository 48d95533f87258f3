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
    let encoding: XAttrCodec
    let path: String

    init(arguments: [String]) throws(UsageError) {
        var rest = arguments
        attribute = try popOptionWithArgument("-n", from: &rest)
        let encodingName = try popOptionWithArgument("-e", from: &rest)
        if let encodingName {
            guard let chosen = XAttrCodec(rawValue: encodingName.uppercased()) else {
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
            do { value = try XAttrCodec.decode(valueText) } catch { badValue = error.message }
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

/// XAttrCommands' lines: the name, then `=value` in the chosen encoding when there is a value.
enum XAttrValueText {
    static func line(_ name: String, _ value: [UInt8], _ encoding: XAttrCodec) -> String {
        value.isEmpty ? name : name + "=" + encoding.encode(value)
    }
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
