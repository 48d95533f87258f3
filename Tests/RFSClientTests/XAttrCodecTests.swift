import RFSClient
import RFSModel
@testable import RFSShell
import Testing

@Suite("Extended attribute names, values and FsShell's order")
struct XAttrCodecTests {
    @Test("values both ways: quoted text, 0x hex, 0s base64 (either alphabet, no padding needed), plain text")
    func values() throws {
        #expect(try XAttrCodec.decode("\"a b\"") == Array("a b".utf8))
        #expect(try XAttrCodec.decode("0x00FF10") == [0, 255, 16])
        #expect(try XAttrCodec.decode("0Sf-8") == [0x7F, 0xEF])
        #expect(try XAttrCodec.decode("0sAAEC/w==") == [0, 1, 2, 255])
        #expect(try XAttrCodec.decode("x") == [UInt8(ascii: "x")])
        #expect(try XAttrCodec.decode("plain") == Array("plain".utf8))
        #expect(throws: XAttrCodecError("org.apache.commons.codec.DecoderException: Odd number of characters.")) { try XAttrCodec.decode("0xabc") }
        #expect(throws: XAttrCodecError("org.apache.commons.codec.DecoderException: Illegal hexadecimal character g at index 1")) {
            try XAttrCodec.decode("0xag")
        }
        #expect(XAttrCodec.text.encode(Array("hé".utf8)) == "\"hé\"")
        #expect(XAttrCodec.hex.encode([0, 255, 16]) == "0x00ff10")
        #expect(XAttrCodec.base64.encode([0, 1, 2, 255]) == "0sAAEC/w==")
    }

    @Test("names as XAttrHelper parses them")
    func names() throws {
        #expect(try XAttrName(parsing: "USER.a.b") == XAttrName(namespace: .user, name: "a.b"))
        #expect(try XAttrName(parsing: "trusted.t").prefixed == "trusted.t")
        #expect(throws: FileSystemError.illegalArgument("XAttr name cannot be empty.")) { try XAttrName(parsing: "user.") }
        for bad in ["bad", "ab.c", ".a", "other.a"] {
            #expect(throws: FileSystemError.illegalArgument("An XAttr name must be prefixed with user/trusted/security/system/raw, followed by a '.'")) {
                try XAttrName(parsing: bad)
            }
        }
    }

    @Test("java.util.HashMap's iteration order: by bucket of the spread String.hashCode, then insertion")
    func hashMapOrder() {
        #expect(JavaHashMapOrder.spreadHash("") == 0)
        #expect(JavaHashMapOrder.spreadHash("a") == 97)  // "a".hashCode() is 97; nothing above bit 16 to spread
        let keys = ["user.plain", "user.b64", "user.hex", "user.text"]
        // The order FsShell printed for these four (see the conformance test).
        #expect(JavaHashMapOrder.ordered(["user.text", "user.plain", "user.b64", "user.hex"], key: { $0 }) == keys)
        // Twenty keys: the table has grown to 32 buckets, and the order still follows the buckets.
        let many = (0..<20).map { "user.k\($0)" }
        let ordered = JavaHashMapOrder.ordered(many, key: { $0 })
        #expect(Set(ordered) == Set(many))
        #expect(ordered.map { JavaHashMapOrder.spreadHash($0) & 31 } == ordered.map { JavaHashMapOrder.spreadHash($0) & 31 }.sorted())
    }
}
