/// A failed key-value operation: what was attempted, on which database, and LevelDB's own
/// message (its `Status::ToString()`), e.g. `IO error: lock /data/nn/LOCK: already held by
/// process`.
public struct KeyValueError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The class of failure, from the prefix of LevelDB's status message.
    public enum Kind: Hashable, Sendable {
        /// LevelDB `NotFound` (e.g. a file of the database is missing).
        case notFound
        /// LevelDB `Corruption`: checksum mismatch or malformed file. `LevelDBStore.repair`
        /// may recover what is readable.
        case corruption
        /// LevelDB `Not implemented`.
        case notSupported
        /// LevelDB `Invalid argument`: e.g. a missing database without `createIfMissing`, or
        /// an existing one with `errorIfExists`.
        case invalidArgument
        /// LevelDB `IO error`: the file system refused, or another open holds the LOCK file.
        case ioError
        /// The store was closed (or, for `MemoryStore`, crashed or reopened) before the call.
        case closed
        /// A message this wrapper does not recognise.
        case other
    }

    public enum Operation: String, Hashable, Sendable {
        case open, get, put, delete, write, iterate, snapshot, approximateSizes, compact
        case property, destroy, repair
    }

    public var kind: Kind
    public var operation: Operation
    /// The database directory; `MemoryStore` uses `"<memory>"`.
    public var path: String
    /// The backend's message, verbatim.
    public var message: String

    public init(kind: Kind, operation: Operation, path: String, message: String) {
        self.kind = kind
        self.operation = operation
        self.path = path
        self.message = message
    }

    /// An error from a LevelDB status message, classified by its prefix.
    public init(leveldbMessage message: String, operation: Operation, path: String) {
        let prefixes: [(String, Kind)] = [
            ("NotFound: ", .notFound), ("Corruption: ", .corruption),
            ("Not implemented: ", .notSupported), ("Invalid argument: ", .invalidArgument),
            ("IO error: ", .ioError),
        ]
        let kind = prefixes.first { message.hasPrefix($0.0) }?.1 ?? .other
        self.init(kind: kind, operation: operation, path: path, message: message)
    }

    static func closed(_ operation: Operation, path: String) -> KeyValueError {
        KeyValueError(kind: .closed, operation: operation, path: path, message: "the store is closed")
    }

    public var description: String {
        "key-value \(operation.rawValue) on \(path) failed: \(message)" + (hint.map { " (\($0))" } ?? "")
    }

    /// What an operator can do about it, where there is something obvious.
    private var hint: String? {
        switch kind {
        case .ioError where message.contains("LOCK"):
            "another process, or another open store in this process, is using the database"
        case .invalidArgument where message.contains("does not exist"):
            "set createIfMissing to create a new database"
        case .corruption:
            "back up the directory, then LevelDBStore.repair(path:) recovers what is readable"
        case .closed:
            "the store was closed; open it again"
        default:
            nil
        }
    }
}
