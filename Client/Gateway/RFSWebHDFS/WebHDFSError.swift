import RFSClient
import RFSModel

/// An error as a WebHDFS client receives it: HTTP status plus HDFS's RemoteException JSON
/// (`{"RemoteException":{"exception":…,"javaClassName":…,"message":…}}`). Hadoop's
/// WebHdfsFileSystem rebuilds the Java exception from `javaClassName`, so FsShell prints
/// the same messages over webhdfs:// as over hdfs://.
public struct WebHDFSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fully qualified Java class name.
    public var javaClassName: String
    public var message: String
    public var status: Int

    public init(javaClassName: String, message: String, status: Int? = nil) {
        self.javaClassName = javaClassName
        self.message = message
        self.status = status ?? WebHDFSError.status(forClassName: javaClassName)
    }

    public init(_ exception: HadoopException, _ message: String, status: Int? = nil) {
        self.init(javaClassName: exception.rawValue, message: message, status: status)
    }

    /// A parameter HDFS would refuse while parsing the query (`Invalid value for webhdfs
    /// parameter "x": …`): IllegalArgumentException, 400.
    public static func invalidParameter(_ name: String, _ detail: String) -> WebHDFSError {
        WebHDFSError(.illegalArgument, "Invalid value for webhdfs parameter \"\(name)\": \(detail)")
    }

    /// The class name without its package, which HDFS sends as `exception`.
    public var simpleClassName: String {
        String(javaClassName.split(separator: ".").last ?? Substring(javaClassName))
    }

    public var json: JSON {
        .object([("RemoteException", .object([
            ("exception", .string(simpleClassName)),
            ("javaClassName", .string(javaClassName)),
            ("message", .string(message)),
        ]))])
    }

    public var description: String { "\(status) \(javaClassName): \(message)" }

    /// HDFS's ExceptionHandler: not found 404; bad arguments and unsupported operations 400;
    /// permission and every other IOException 403 (a refused mkdir, rename or create is an
    /// IOException in Hadoop); a standby namenode 403 too, which makes clients fail over;
    /// anything else 500.
    static func status(forClassName name: String) -> Int {
        switch HadoopException(rawValue: name) {
        case .fileNotFound: return 404
        case .illegalArgument, .hadoopIllegalArgument, .invalidPath, .unsupportedOperation: return 400
        case .none:
            if name == "java.lang.SecurityException" { return 401 }
            if name.hasPrefix("java.lang.") || name.hasSuffix("RuntimeException") { return 500 }
            return 403
        case .some: return 403
        }
    }

    /// Any error from the rfs client or our own code, as WebHDFS reports it.
    public static func from(_ error: any Error) -> WebHDFSError {
        switch error {
        case let error as WebHDFSError: return error
        case let remote as RemoteException: return WebHDFSError(javaClassName: remote.className, message: remote.message)
        case let codec as XAttrCodecError: return WebHDFSError(.ioException, codec.message)
        case let fileSystem as FileSystemError:
            switch fileSystem {
            case .invalidPath, .wrongFileSystem: return WebHDFSError(.invalidPath, fileSystem.description)
            case .invalidURI: return WebHDFSError(.illegalArgument, fileSystem.description)
            case .illegalArgument: return WebHDFSError(.hadoopIllegalArgument, fileSystem.description)
            case .cannotConnect: return WebHDFSError(javaClassName: "java.net.ConnectException", message: fileSystem.description, status: 500)
            }
        default:
            return WebHDFSError(javaClassName: "java.lang.RuntimeException", message: "\(error)", status: 500)
        }
    }
}
