import NIOConcurrencyHelpers
import RFSClient

/// What an `hdfsFile` points at: a read stream or a write stream of the rfs client, and the
/// connection it was opened on (kept alive until the file is closed).
final class OpenFile: Sendable {
    enum Stream: Sendable {
        case input(FileInputStream)
        case output(FileOutputStream)
    }

    let connection: Connection
    let stream: Stream
    let path: String
    /// For a write stream, the bytes in the file when it was opened (append) plus those
    /// written since: what hdfsTell answers.
    private let writePosition: NIOLockedValueBox<Int64>

    init(connection: Connection, stream: Stream, path: String, startPosition: Int64 = 0) {
        self.connection = connection
        self.stream = stream
        self.path = path
        self.writePosition = NIOLockedValueBox(startPosition)
    }

    var input: FileInputStream? {
        if case .input(let stream) = stream { return stream }
        return nil
    }

    var output: FileOutputStream? {
        if case .output(let stream) = stream { return stream }
        return nil
    }

    var bytesWritten: Int64 { writePosition.withLockedValue { $0 } }

    func advanceWritePosition(by count: Int) {
        writePosition.withLockedValue { $0 += Int64(count) }
    }
}
