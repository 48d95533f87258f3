/// A compression algorithm rfs can use. Raw values are the short names the Hadoop ecosystem's
/// configs use (HBase's `hbase.regionserver.codecs`, Parquet and ORC codec names in lower
/// case), so they can appear in rfs's configuration and on the wire as they are.
public enum CodecKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case lz4
    case zstd
    case snappy

    public var description: String { rawValue }

    /// The class of Hadoop's codec for the same algorithm, as `io.compression.codecs` and
    /// `CompressionCodecFactory` name it.
    public var hadoopCodecClassName: String {
        switch self {
        case .lz4: "org.apache.hadoop.io.compress.Lz4Codec"
        case .zstd: "org.apache.hadoop.io.compress.ZStandardCodec"
        case .snappy: "org.apache.hadoop.io.compress.SnappyCodec"
        }
    }

    /// Resolves a codec name the way Hadoop's `CompressionCodecFactory.getCodecByName` does,
    /// ignoring case: the fully qualified class name, the simple class name (`Lz4Codec`), or
    /// the simple name without `Codec` (`lz4`, `zstandard`, `snappy`). Our own raw values
    /// (`zstd`) are accepted too. Returns nil for any other name.
    public init?(hadoopCodecName name: String) {
        let wanted = name.lowercased()
        for kind in CodecKind.allCases {
            let className = kind.hadoopCodecClassName.lowercased()
            let simpleName = className.split(separator: ".").last.map(String.init) ?? className
            let alias = String(simpleName.dropLast("codec".count))
            if [kind.rawValue, className, simpleName, alias].contains(wanted) {
                self = kind
                return
            }
        }
        return nil
    }
}
