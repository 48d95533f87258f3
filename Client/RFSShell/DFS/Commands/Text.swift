import RFSClient
import RFSCompression

/// `-text [-ignoreCrc] <src> ...` (Hadoop's `Text`): a file as text. As Hadoop decides: gzip
/// by its magic bytes, SequenceFiles by `SEQ` (each record `key<TAB>value`), then compressed
/// files by their suffix (.gz, .deflate, .zst, .lz4, .snappy); anything else as -cat shows it.
/// Decoding streams: memory stays flat whatever the file's size.
struct TextCommand: DFSCommand {
    static let name = "text"
    static let usage = "[-ignoreCrc] <src> ..."

    let paths: [String]

    init(arguments: [String]) throws(UsageError) {
        paths = try CommandFormat(min: 1, flags: ["ignoreCrc"]).parse(arguments).arguments
    }

    func run(_ context: DFSContext) async throws -> Int32 {
        try await context.forEachArgument(paths) { item in
            guard let status = item.status, !status.isDirectory else { throw PathFailure(PathMessage.isDirectory(item.display)) }
            let input = try await context.fs(item).open(item.absolute)
            defer { Task { await input.close() } }
            let head = try await input.pread(offset: 0, length: 3)
            do {
                if head.starts(with: [0x1F, 0x8B]) {
                    try await decode(input, with: ZlibStreamDecoder(format: .gzip), context: context)
                } else if head == Array("SEQ".utf8) {
                    try await SequenceFileText.write(ByteSource(input)) { context.output.writeBytes($0) }
                } else if head == Array("Obj".utf8) {
                    throw TextDecodingError("Avro files are not decoded by rfs dfs -text; use -cat")
                } else if let decoder = try CompressedText.decoder(forPath: item.absolute) {
                    try await decode(input, with: decoder, context: context)
                } else {
                    try await CatCommand.copyToOutput(input, context: context)
                }
            } catch let error as TextDecodingError {
                throw PathFailure(error.description)
            } catch let error as StreamDecodeError {
                throw PathFailure(error.description)
            }
        }
        return context.exitCode
    }

    private func decode(_ input: FileInputStream, with decoder: some StreamDecoder, context: DFSContext) async throws {
        var decoder = decoder
        while true {
            let bytes = try await input.read(maxBytes: CatCommand.readBytes)
            if bytes.isEmpty { break }
            try decoder.decode(bytes) { context.output.writeBytes($0) }
        }
        try decoder.finish()
    }
}
