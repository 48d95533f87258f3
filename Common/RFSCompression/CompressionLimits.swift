/// The bounds RFSCompression enforces, with their units in their names. They live here rather
/// than in `RFSModel.Limits` because this module depends on nothing of rfs's; `RFSConfig`
/// settings (`maxDecompressedBytes`) may lower the decompression bound, never raise it past
/// `decompressedBytesMax`.
public enum CompressionLimits {
    /// Default bound on what one self-describing buffer may decompress to (256 MiB): twice
    /// HDFS's default 128 MiB block, so a whole block compressed as one buffer still fits,
    /// while a hostile 20-byte header cannot make us allocate gigabytes.
    public static let decompressedBytesDefault = 256 << 20
    /// Largest `maxDecompressedBytes` accepted (2 GiB - 1): Hadoop's block framing stores
    /// lengths as signed 32-bit integers and LZ4 takes `int` capacities, and one buffer is
    /// held in memory whole.
    public static let decompressedBytesMax = Int(Int32.max)
    /// Largest input LZ4 compresses in one block (`LZ4_MAX_INPUT_SIZE`, 2 113 929 216 bytes).
    public static let lz4InputBytesMax = 0x7E00_0000
    /// Largest input snappy compresses in one block: its length preamble is a 32-bit varint.
    public static let snappyInputBytesMax = Int(UInt32.max)
    /// Largest input of one self-describing LZ4 or snappy buffer: Hadoop's block framing
    /// stores the original length as a signed 32-bit integer.
    public static let hadoopBlockBytesMax = Int(Int32.max)
}
