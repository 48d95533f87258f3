import Hummingbird
import NIOCore
import RFSWebHDFS

/// Building replies the way our clients accept them.
public enum Replies {
    /// A JSON reply **without** a Content-Type header: the Hadoop 3.5.0 WebHdfsFileSystem in
    /// the pyspark jars fails on any JSON reply that carries one (it checks the type with a
    /// class its shaded jars lack), and every other client parses the body regardless.
    public static func json(_ value: JSON, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        let body = ByteBuffer(string: value.rendered)
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    public static func error(_ error: WebHDFSError) -> Response {
        json(error.json, status: HTTPResponse.Status(code: error.status))
    }

    public static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        let body = ByteBuffer(string: text)
        var headers: HTTPFields = [:]
        headers[.contentType] = contentType
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    public static func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
        text(page, contentType: "text/html; charset=utf-8", status: status)
    }

    /// 307 to `location` (CREATE, APPEND and OPEN on the namenode).
    public static func redirect(_ location: String) -> Response {
        var headers: HTTPFields = [:]
        headers[.location] = location
        headers[.contentLength] = "0"
        return Response(status: .temporaryRedirect, headers: headers, body: ResponseBody())
    }

    public static func notFound(_ path: String) -> Response {
        text("Not found: \(path)\n", status: .notFound)
    }
}
