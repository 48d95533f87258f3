import RFSCompression
import Testing

/// One 128 MiB round trip per codec. Serialized: each holds the input, the compressed copy
/// and the output (about 400 MiB at its peak), and three at once would be too many.
@Suite("128 MiB inputs", .serialized)
struct LargeInputTests {
    static let inputBytes = 128 << 20

    @Test("128 MiB of real-looking data round-trips", arguments: CodecKind.allCases)
    func roundTrip128MiB(kind: CodecKind) throws {
        let codec = Codec(kind)
        let input = TestData.largeRealLooking(Self.inputBytes, seed: 128)
        let compressed = try codec.compress(input)
        let ratio = Double(compressed.count) / Double(input.count)
        print("\(kind): 128 MiB -> \(compressed.count) bytes (ratio \(ratio))")
        #expect(ratio < 0.6)
        #expect(sameBytes(try codec.decompress(compressed), input))

        let n = compressed.count
        for length in [n / 2, n - 1] {
            #expect(throws: CodecError.self, "prefix \(length) of \(n)") {
                try codec.decompress(Array(compressed.prefix(length)))
            }
        }
    }
}
