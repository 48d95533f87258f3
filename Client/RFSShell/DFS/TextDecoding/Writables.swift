/// What Hadoop's `Writable.toString()` prints for the serialized forms of the Writable
/// classes of `org.apache.hadoop.io`, as `-text` shows SequenceFile keys and values.
enum Writables {
    static let known = ["Text", "IntWritable", "LongWritable", "BooleanWritable", "ByteWritable", "ShortWritable",
                        "FloatWritable", "DoubleWritable", "VIntWritable", "VLongWritable", "NullWritable", "BytesWritable"]

    /// Throws for a class rfs does not know (Hadoop would load it by reflection).
    static func render(_ bytes: [UInt8], as className: String) throws -> String {
        let simple = className.hasPrefix("org.apache.hadoop.io.") ? String(className.dropFirst("org.apache.hadoop.io.".count)) : ""
        switch simple {
        case "Text":
            var reader = SliceReader(bytes)
            let length = try reader.vint()
            return String(decoding: try reader.take(length), as: UTF8.self)
        case "IntWritable": return String(Int32(bitPattern: UInt32(try fixed(bytes, 4))))
        case "LongWritable": return String(Int64(bitPattern: try fixed(bytes, 8)))
        case "ShortWritable": return String(Int16(bitPattern: UInt16(try fixed(bytes, 2))))
        case "ByteWritable": return String(Int8(bitPattern: UInt8(try fixed(bytes, 1))))
        case "BooleanWritable": return try fixed(bytes, 1) != 0 ? "true" : "false"
        case "FloatWritable": return javaString(Float(bitPattern: UInt32(try fixed(bytes, 4))))
        case "DoubleWritable": return javaString(Double(bitPattern: try fixed(bytes, 8)))
        case "VIntWritable", "VLongWritable":
            var reader = SliceReader(bytes)
            return String(try reader.vlong())
        case "NullWritable": return "(null)"
        case "BytesWritable":
            var reader = SliceReader(bytes)
            let length = Int(Int32(bitPattern: UInt32(try reader.bigEndian(4))))
            return try reader.take(length).map { byte in
                let hex = String(byte, radix: 16)
                return hex.count < 2 ? "0" + hex : hex
            }.joined(separator: " ")
        default:
            throw TextDecodingError("cannot show values of class \(className): rfs dfs -text knows org.apache.hadoop.io's \(known.joined(separator: ", "))")
        }
    }

    /// A fixed-size big-endian field: the whole serialized value.
    private static func fixed(_ bytes: [UInt8], _ count: Int) throws -> UInt64 {
        var reader = SliceReader(bytes)
        return try reader.bigEndian(count)
    }

    /// Java's `Double.toString`: plain decimal for 10⁻³ ≤ |x| < 10⁷, else `d.dddE±n`; always
    /// a digit after the point.
    static func javaString(_ value: Double) -> String {
        javaFormat(value.isNaN, value.isInfinite, value.sign == .minus, value.magnitude, "\(value.magnitude)")
    }

    static func javaString(_ value: Float) -> String {
        javaFormat(value.isNaN, value.isInfinite, value.sign == .minus, Double(value.magnitude), "\(value.magnitude)")
    }

    private static func javaFormat(_ isNaN: Bool, _ isInfinite: Bool, _ negative: Bool, _ magnitude: Double, _ shortest: String) -> String {
        if isNaN { return "NaN" }
        let sign = negative ? "-" : ""
        if isInfinite { return sign + "Infinity" }
        if magnitude == 0 { return sign + "0.0" }
        // Swift's description is the shortest round-tripping digits, as Java's (JDK 19+).
        var mantissa = Substring(shortest)
        var exponent = 0
        if let e = shortest.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = shortest[..<e]
            exponent = Int(String(shortest[shortest.index(after: e)...].filter { $0 != "+" })) ?? 0
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        var pointAt = parts[0].count + exponent
        while digits.hasPrefix("0") && digits.count > 1 { digits.removeFirst(); pointAt -= 1 }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        if magnitude >= 1e-3 && magnitude < 1e7 {
            if pointAt <= 0 { return sign + "0." + String(repeating: "0", count: -pointAt) + digits }
            if pointAt >= digits.count { return sign + digits + String(repeating: "0", count: pointAt - digits.count) + ".0" }
            let index = digits.index(digits.startIndex, offsetBy: pointAt)
            return sign + digits[..<index] + "." + digits[index...]
        }
        let fraction = digits.count > 1 ? String(digits.dropFirst()) : "0"
        return sign + String(digits.prefix(1)) + "." + fraction + "E" + String(pointAt - 1)
    }
}

/// Reads Writable fields out of one serialized value.
struct SliceReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, bytes.count - offset >= count else { throw TextDecodingError.endOfFile }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    mutating func bigEndian(_ count: Int) throws -> UInt64 {
        try take(count).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    mutating func vlong() throws -> Int64 {
        let first = Int8(bitPattern: try take(1).first!)
        guard first < -112 else { return Int64(first) }
        let negative = first < -120
        let length = negative ? -119 - Int(first) : -111 - Int(first)
        let value = try take(length - 1).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return negative ? ~Int64(bitPattern: value) : Int64(bitPattern: value)
    }

    mutating func vint() throws -> Int {
        let value = try vlong()
        guard let narrowed = Int32(exactly: value) else { throw TextDecodingError("value too long to fit in integer: \(value)") }
        return Int(narrowed)
    }

    var isAtEnd: Bool { offset == bytes.count }
}
