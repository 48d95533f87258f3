import Hummingbird
import NIOCore
import RFSClient
import RFSConfig
import RFSHTTP
import RFSModel
import RFSWebHDFS

/// WebHDFS on a datanode: the operations a namenode redirects here. The bytes go through
/// the rfs client (`FileOutputStream` / `FileInputStream`) as they arrive: a request body is
/// written packet by packet while it is received, and a read is sent a chunk at a time, so
/// memory stays flat whatever the file's size.
struct DataNodeWebHDFS {
    /// Bytes read from the file per step of an OPEN; one step is read ahead while the
    /// previous one is being sent.
    static let readChunkBytes = 4 << 20
    /// Bytes of a request body gathered before they go to the output stream.
    static let writeBatchBytes = 1 << 20

    let state: DataNodeHTTPState

    func respond(to request: Request) async -> Response {
        do {
            guard let method = WebHDFSMethod(rawValue: request.method.rawValue) else {
                throw WebHDFSError(.unsupportedOperation, "HTTP method \(request.method) is not supported by WebHDFS")
            }
            let parsed = try WebHDFSRequest(method: method, target: request.uri.string)
            let fileSystem = try state.clients.fileSystem(namenodes: try namenodes(parsed), user: parsed.user, realUser: parsed.realUser)
            switch parsed.operation {
            case .create: return try await create(parsed, body: request.body, fileSystem: fileSystem)
            case .append: return try await append(parsed, body: request.body, fileSystem: fileSystem)
            case .open: return try await open(parsed, fileSystem: fileSystem)
            case .getFileChecksum:
                return Replies.json(WebHDFSReplies.fileChecksum(try await fileSystem.fileChecksum(parsed.path)))
            default:
                throw WebHDFSError(.unsupportedOperation, "op=\(parsed.operation.rawValue) is served by the namenode, not a datanode")
            }
        } catch {
            let failure = WebHDFSError.from(error)
            state.logger.debug("webhdfs request failed", metadata: ["uri": "\(request.uri)", "error": "\(failure)"])
            return Replies.error(failure)
        }
    }

    /// `namenoderpcaddress` from the namenode's redirect (host:port, or with HA the
    /// nameservice, whose every namenode the client may then fail over to), else the
    /// datanode's own namenodes.
    func namenodes(_ request: WebHDFSRequest) throws(WebHDFSError) -> [HostPort] {
        if let text = request.string("namenoderpcaddress") {
            if let services = try? state.configuration.get(Keys.nameservices), services.contains(text),
               let members = try? state.configuration.namenodeEndpoints(forAuthority: text), !members.isEmpty {
                return members.map(\.rpcAddress)
            }
            guard let address = HostPort(parsing: text) else {
                throw WebHDFSError.invalidParameter("namenoderpcaddress", "\"\(text)\" is not host:port")
            }
            return [address]
        }
        guard !state.defaultNamenodes.isEmpty else {
            throw WebHDFSError(.illegalArgument, "Required parameter \"namenoderpcaddress\" is missing")
        }
        return state.defaultNamenodes
    }

    func create(_ request: WebHDFSRequest, body: RequestBody, fileSystem: FileSystem) async throws -> Response {
        let permission = FsPermission(mode: try request.permission() ?? 0o644)
        let stream = try await fileSystem.create(
            request.path, overwrite: try request.bool("overwrite", default: false),
            createParent: try request.bool("createparent", default: true), replication: try request.replication(),
            blockSizeBytes: try request.int64("blocksize", minimum: 1), permission: permission)
        try await copy(body, into: stream)
        var headers: HTTPFields = [:]
        // The namenode as the redirect named it (with HA, the nameservice), as HDFS answers.
        let authority = request.string("namenoderpcaddress") ?? fileSystem.uri.authority
        headers[.location] = "hdfs://\(authority)\(WebHDFSRequest.percentEncodePath(request.path))"
        headers[.contentLength] = "0"
        return Response(status: .created, headers: headers, body: ResponseBody())
    }

    func append(_ request: WebHDFSRequest, body: RequestBody, fileSystem: FileSystem) async throws -> Response {
        var chunks = body.makeAsyncIterator()
        // An empty APPEND (fsspec ends every write with one) changes nothing, so the file is
        // only checked, write permission included (HDFS refuses it as a real append would):
        // opening it for append and closing it at once would re-open its last block for nothing.
        var first: ByteBuffer?
        while let chunk = try await chunks.next() {
            if chunk.readableBytes > 0 { first = chunk; break }
        }
        if let first {
            let stream = try await fileSystem.append(request.path)
            try await copy(first, then: &chunks, into: stream)
        } else {
            guard let status = try await fileSystem.fileStatus(request.path) else {
                throw WebHDFSError(.fileNotFound, "File does not exist: \(request.path)")
            }
            guard status.isFile else { throw WebHDFSError(.fileNotFound, "Path is not a file: \(request.path)") }
            try await fileSystem.checkAccess(request.path, .write)
        }
        var headers: HTTPFields = [:]
        headers[.contentLength] = "0"
        return Response(status: .ok, headers: headers, body: ResponseBody())
    }

    /// Writes the body as it arrives; the stream's pipeline acks pace the reading.
    func copy(_ body: RequestBody, into stream: FileOutputStream) async throws {
        var chunks = body.makeAsyncIterator()
        try await copy(ByteBuffer(), then: &chunks, into: stream)
    }

    func copy(_ first: ByteBuffer, then chunks: inout RequestBody.AsyncIterator, into stream: FileOutputStream) async throws {
        do {
            // The body arrives in small pieces (often 16-64 KiB); handing the stream a batch
            // at a time saves a hop into its actor per piece.
            var batch: [UInt8] = []
            batch.reserveCapacity(Self.writeBatchBytes)
            batch.append(contentsOf: first.readableBytesView)
            while let buffer = try await chunks.next() {
                batch.append(contentsOf: buffer.readableBytesView)
                if batch.count >= Self.writeBatchBytes {
                    try await stream.write(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try await stream.write(batch) }
            try await stream.close()
        } catch {
            // Close what was written so the lease is released; the request still fails.
            try? await stream.close()
            throw error
        }
    }

    func open(_ request: WebHDFSRequest, fileSystem: FileSystem) async throws -> Response {
        let offset = try request.int64("offset", minimum: 0) ?? 0
        let wanted = try request.int64("length", minimum: 0)
        let input = try await fileSystem.open(request.path)
        let fileLength = await input.length
        guard offset <= fileLength else {
            throw WebHDFSError(.eof, "Cannot seek after EOF: offset \(offset) is past the end of \(request.path) (\(fileLength) bytes)")
        }
        try await input.seek(to: offset)
        let total = min(wanted ?? Int64.max, fileLength - offset)
        var headers: HTTPFields = [:]
        headers[.contentType] = "application/octet-stream"
        let body = ResponseBody(contentLength: Int(total)) { writer in
            @Sendable func readAhead(_ remaining: Int64) -> Task<[UInt8], any Error>? {
                guard remaining > 0 else { return nil }
                let count = Int(min(Int64(Self.readChunkBytes), remaining))
                return Task { try await input.read(maxBytes: count) }
            }
            var remaining = total
            var next = readAhead(remaining)
            while let pending = next {
                let bytes = try await pending.value
                guard !bytes.isEmpty else { break }
                remaining -= Int64(bytes.count)
                next = readAhead(remaining)
                try await writer.write(ByteBuffer(bytes: bytes))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
