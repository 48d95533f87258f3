import RFSCompression

/// `-text` of a SequenceFile (Hadoop's TextRecordInputStream): every record as
/// `key<TAB>value<NEWLINE>`, each shown as its Writable's toString. Reads the header
/// (version 6: key and value classes, compression, codec, metadata, sync marker), then
/// records, uncompressed or record-compressed, or blocks of block-compressed records.
enum SequenceFileText {
    struct Header {
        var version: UInt8
        var keyClass: String
        var valueClass: String
        var recordCompressed = false
        var blockCompressed = false
        var codecClass: String?
        var sync: [UInt8] = []
    }

    static let syncEscape: Int32 = -1
    static let syncBytes = 16

    static func header(_ source: ByteSource) async throws -> Header {
        let magic = try await source.bytes(4)
        guard magic[0..<3] == [0x53, 0x45, 0x51] else { throw TextDecodingError("not a SequenceFile") }
        let version = magic[3]
        guard version >= 4, version <= 6 else {
            throw TextDecodingError("SequenceFile version \(version) is not supported (rfs reads versions 4 to 6)")
        }
        var header = Header(version: version, keyClass: try await source.text(), valueClass: try await source.text())
        header.recordCompressed = try await source.byte() != 0
        header.blockCompressed = try await source.byte() != 0
        if header.recordCompressed {
            header.codecClass = version >= 5 ? try await source.text() : "org.apache.hadoop.io.compress.DefaultCodec"
        }
        if version >= 6 {
            let pairs = try await source.int32()
            guard pairs >= 0, pairs <= 1 << 20 else { throw TextDecodingError("invalid metadata size \(pairs)") }
            for _ in 0..<pairs * 2 { _ = try await source.text() }
        }
        header.sync = try await source.bytes(syncBytes)
        return header
    }

    /// Streams the records of the file to `emit`, a record's line at a time.
    static func write(_ source: ByteSource, emit: ([UInt8]) -> Void) async throws {
        let header = try await header(source)
        let decompress = try header.codecClass.map(decompressor(for:))
        if header.blockCompressed {
            while !(try await source.atEnd()) {
                try await expectSync(source, header)
                let count = try await source.vint()
                guard count >= 0 else { throw TextDecodingError("a block of \(count) records") }
                var keyLengths = SliceReader(try await buffer(source, decompress))
                var keys = SliceReader(try await buffer(source, decompress))
                var valueLengths = SliceReader(try await buffer(source, decompress))
                var values = SliceReader(try await buffer(source, decompress))
                for _ in 0..<count {
                    let key = Array(try keys.take(try keyLengths.vint()))
                    let value = Array(try values.take(try valueLengths.vint()))
                    emit(try line(key, value, header))
                }
            }
            return
        }
        while !(try await source.atEnd()) {
            var length = try await source.int32()
            if length == syncEscape {
                try await checkSync(source, header)
                if try await source.atEnd() { return }
                length = try await source.int32()
            }
            let keyLength = try await source.int32()
            guard keyLength >= 0, length >= keyLength, Int(length) <= TextDecodingLimits.recordBytesMax else {
                throw TextDecodingError("a record of \(length) bytes with a key of \(keyLength): the file is corrupt")
            }
            let key = try await source.bytes(Int(keyLength))
            var value = try await source.bytes(Int(length - keyLength))
            if header.recordCompressed, let decompress { value = try decompress(value) }
            emit(try line(key, value, header))
        }
    }

    private static func line(_ key: [UInt8], _ value: [UInt8], _ header: Header) throws -> [UInt8] {
        Array(try Writables.render(key, as: header.keyClass).utf8) + [0x09]
            + Array(try Writables.render(value, as: header.valueClass).utf8) + [0x0A]
    }

    private static func expectSync(_ source: ByteSource, _ header: Header) async throws {
        guard try await source.int32() == syncEscape else { throw TextDecodingError("no sync marker before a block: the file is corrupt") }
        try await checkSync(source, header)
    }

    private static func checkSync(_ source: ByteSource, _ header: Header) async throws {
        guard try await source.bytes(syncBytes) == header.sync else { throw TextDecodingError("File is corrupt!") }
    }

    /// One compressed buffer of a block: a vint length and the codec's bytes.
    private static func buffer(_ source: ByteSource, _ decompress: (([UInt8]) throws -> [UInt8])?) async throws -> [UInt8] {
        let length = try await source.vint()
        guard length >= 0, length <= TextDecodingLimits.recordBytesMax else { throw TextDecodingError("a block buffer of \(length) bytes") }
        let bytes = try await source.bytes(length)
        return try decompress?(bytes) ?? bytes
    }

    /// Decodes one whole compressed buffer with the codec a SequenceFile names.
    static func decompressor(for codecClass: String) throws -> ([UInt8]) throws -> [UInt8] {
        guard let make = CompressedText.decoder(forCodecClass: codecClass) else {
            throw TextDecodingError("cannot decompress SequenceFile codec \(codecClass): rfs dfs -text knows \(CompressedText.codecClasses.keys.sorted().joined(separator: ", "))")
        }
        return { bytes in
            var decoder = try make()
            var output: [UInt8] = []
            try decoder.decode(bytes) { piece in
                output += piece
                if output.count > TextDecodingLimits.recordBytesMax { throw TextDecodingError("a compressed buffer decodes to more than \(TextDecodingLimits.recordBytesMax) bytes") }
            }
            try decoder.finish()
            return output
        }
    }
}

/// Compressed files that `-text` decodes (Hadoop's CompressionCodecFactory: by the file's
/// suffix), and the codec classes SequenceFiles name.
enum CompressedText {
    static let codecClasses: [String: @Sendable () throws -> any StreamDecoder] = [
        "org.apache.hadoop.io.compress.DefaultCodec": { try ZlibStreamDecoder(format: .zlib) },
        "org.apache.hadoop.io.compress.DeflateCodec": { try ZlibStreamDecoder(format: .zlib) },
        "org.apache.hadoop.io.compress.GzipCodec": { try ZlibStreamDecoder(format: .gzip) },
        "org.apache.hadoop.io.compress.ZStandardCodec": { try ZstdStreamDecoder() },
        "org.apache.hadoop.io.compress.Lz4Codec": { try HadoopBlockStreamDecoder(codec: .lz4) },
        "org.apache.hadoop.io.compress.SnappyCodec": { try HadoopBlockStreamDecoder(codec: .snappy) },
    ]

    static func decoder(forCodecClass name: String) -> (@Sendable () throws -> any StreamDecoder)? { codecClasses[name] }

    /// The decoder for a file name's suffix, nil for a file -text shows as it is.
    static func decoder(forPath path: String) throws -> (any StreamDecoder)? {
        if path.hasSuffix(".gz") { return try ZlibStreamDecoder(format: .gzip) }
        if path.hasSuffix(".deflate") { return try ZlibStreamDecoder(format: .zlib) }
        if path.hasSuffix(".zst") { return try ZstdStreamDecoder() }
        if path.hasSuffix(".lz4") { return try HadoopBlockStreamDecoder(codec: .lz4) }
        if path.hasSuffix(".snappy") { return try HadoopBlockStreamDecoder(codec: .snappy) }
        if path.hasSuffix(".bz2") { throw TextDecodingError("bzip2 files are not decoded by rfs dfs -text; use -cat and bunzip2") }
        return nil
    }
}
