import RFSClient
import RFSModel
import Testing
@testable import RFSWebHDFS

@Suite("WebHDFS requests are parsed and checked as HDFS's ParamFilter and *Param classes do")
struct WebHDFSRequestTests {
    @Test("op is case-insensitive and must belong to the request's HTTP method")
    func operations() throws {
        #expect(try WebHDFSRequest(method: .get, target: "/webhdfs/v1/a?op=liststatus").operation == .listStatus)
        #expect(try WebHDFSRequest(method: .put, target: "/webhdfs/v1/a?OP=Mkdirs").operation == .mkdirs)
        let wrongMethod = #expect(throws: WebHDFSError.self) { try WebHDFSRequest(method: .get, target: "/webhdfs/v1/a?op=MKDIRS") }
        #expect(wrongMethod?.status == 400)
        #expect(wrongMethod?.message == "Invalid value for webhdfs parameter \"op\": No enum constant org.apache.hadoop.hdfs.web.resources.GetOpParam.Op.MKDIRS")
        #expect(throws: WebHDFSError.self) { try WebHDFSRequest(method: .delete, target: "/webhdfs/v1/a") }
    }

    @Test("paths are percent-decoded, `+` stays a plus, and . or .. components are refused")
    func paths() throws {
        #expect(try WebHDFSRequest(method: .get, target: "/webhdfs/v1/a%20b/c+d?op=OPEN").path == "/a b/c+d")
        #expect(try WebHDFSRequest(method: .get, target: "/webhdfs/v1?op=GETFILESTATUS").path == "/")
        #expect(try WebHDFSRequest(method: .get, target: "/webhdfs/v1//a//b/?op=GETFILESTATUS").path == "/a/b")
        for bad in ["/webhdfs/v1/../etc?op=OPEN", "/webhdfs/v1/a/./b?op=OPEN", "/webhdfs/v1/a%2F..%2F..?op=OPEN", "/webhdfs/v1/a:b?op=OPEN"] {
            let error = #expect(throws: WebHDFSError.self) { try WebHDFSRequest(method: .get, target: bad) }
            #expect(error?.javaClassName == HadoopException.invalidPath.rawValue)
            #expect(error?.status == 400)
        }
        #expect(WebHDFSRequest.percentEncodePath("/a b/ü") == "/a%20b/%C3%BC")
    }

    @Test("query names are lower-cased; values decoded with + as a space; HdfsCLI's True is a boolean")
    func parameters() throws {
        let request = try WebHDFSRequest(method: .put, target: "/webhdfs/v1/a?op=CREATE&Overwrite=True&user.name=j+doe&replication=2")
        #expect(request.user == "j doe")
        #expect(try request.bool("overwrite", default: false))
        #expect(try request.bool("createparent", default: true))
        #expect(try request.replication() == 2)
        #expect(try WebHDFSRequest(method: .get, target: "/webhdfs/v1/a?op=OPEN").user == WebHDFSRequest.anonymousUser)
        let maybe = try WebHDFSRequest(method: .delete, target: "/webhdfs/v1/a?op=DELETE&recursive=maybe")
        #expect(throws: WebHDFSError.self) { try maybe.bool("recursive", default: false) }
    }

    @Test("permissions are octal up to 1777; offsets are not negative")
    func ranges() throws {
        func permission(_ text: String) throws -> UInt16? {
            try WebHDFSRequest(method: .put, target: "/webhdfs/v1/a?op=SETPERMISSION&permission=\(text)").permission()
        }
        #expect(try permission("755") == 0o755)
        #expect(try permission("1777") == 0o1777)
        #expect(throws: WebHDFSError.self) { try permission("2000") }
        #expect(throws: WebHDFSError.self) { try permission("rwx") }
        #expect(throws: WebHDFSError.self) { try permission("8") }
        let negative = try WebHDFSRequest(method: .get, target: "/webhdfs/v1/a?op=OPEN&offset=-1")
        let error = #expect(throws: WebHDFSError.self) { try negative.int64("offset", minimum: 0) }
        #expect(error?.message.contains("offset = -1 < 0") == true)
    }
}

@Suite("CHECKACCESS's fsaction is HDFS's FsActionParam")
struct FsActionParameterTests {
    func fsAction(_ query: String) throws -> FsAction {
        try WebHDFSRequest(method: .get, target: "/webhdfs/v1/a?op=CHECKACCESS\(query)").fsAction()
    }

    @Test("[r-][w-][x-] maps to the bits; anything else is a 400 naming the domain; a missing one is required")
    func parsing() throws {
        #expect(try fsAction("&fsaction=rwx") == .all)
        #expect(try fsAction("&fsaction=r--") == .read)
        #expect(try fsAction("&fsaction=-w-") == .write)
        #expect(try fsAction("&fsaction=r-x") == [.read, .execute])
        #expect(try fsAction("&fsaction=---") == [])
        for bad in ["rw", "rwxr", "wrx", "RWX", "r%20x"] {
            let error = #expect(throws: WebHDFSError.self) { try fsAction("&fsaction=\(bad)") }
            #expect(error?.status == 400 && error?.javaClassName == HadoopException.illegalArgument.rawValue)
            #expect(error?.message.hasPrefix("Invalid value for webhdfs parameter \"fsaction\": Invalid value: ") == true)
            #expect(error?.message.hasSuffix("does not belong to the domain [r-][w-][x-]") == true)
        }
        let missing = #expect(throws: WebHDFSError.self) { try fsAction("") }
        #expect(missing?.status == 400 && missing?.message == "Required param fsaction for op: CHECKACCESS is null or empty")
        // CHECKACCESS is a GET.
        #expect(throws: WebHDFSError.self) { try WebHDFSRequest(method: .put, target: "/webhdfs/v1/a?op=CHECKACCESS&fsaction=rwx") }
    }
}

@Suite("WebHDFS replies have HDFS's shapes and status codes")
struct WebHDFSReplyTests {
    @Test("errors map to HDFS's status codes and the RemoteException JSON")
    func errors() {
        #expect(WebHDFSError(.fileNotFound, "x").status == 404)
        #expect(WebHDFSError(.accessControl, "x").status == 403)
        #expect(WebHDFSError(.fileAlreadyExists, "x").status == 403)
        #expect(WebHDFSError(.safeMode, "x").status == 403)
        #expect(WebHDFSError(.illegalArgument, "x").status == 400)
        #expect(WebHDFSError(.unsupportedOperation, "x").status == 400)
        #expect(WebHDFSError(javaClassName: "java.lang.NullPointerException", message: "x").status == 500)
        #expect(WebHDFSError.from(RemoteException(.fileNotFound, "File does not exist: /a")).json.rendered ==
            #"{"RemoteException":{"exception":"FileNotFoundException","javaClassName":"java.io.FileNotFoundException","message":"File does not exist: /a"}}"#)
    }

    @Test("JSON strings escape quotes, backslashes and control characters")
    func escaping() {
        #expect(JSON.string("a\"b\\c\n\u{1}é").rendered == #""a\"b\\c\n\u0001é""#)
        #expect(JSON.object([("n", .int(-3)), ("b", .bool(false)), ("l", .array([.null]))]).rendered == #"{"n":-3,"b":false,"l":[null]}"#)
    }

    @Test("FileStatus carries every field Hadoop's client reads, permission in octal")
    func fileStatus() {
        let status = FileStatus(path: "/d/f", type: .file, length: 5, permission: FsPermission(mode: 0o1755), owner: "o", group: "g",
                                modificationTimeMs: 2, accessTimeMs: 1, replication: 3, blockSizeBytes: 128, fileID: 16_386, childrenCount: 0)
        #expect(WebHDFSReplies.fileStatus(status).rendered ==
            #"{"FileStatus":{"accessTime":1,"blockSize":128,"childrenNum":0,"fileId":16386,"group":"g","length":5,"modificationTime":2,"owner":"o","pathSuffix":"","permission":"1755","replication":3,"storagePolicy":0,"type":"FILE"}}"#)
        #expect(WebHDFSReplies.fileStatuses([status], listedFile: false).rendered.contains(#""pathSuffix":"f""#))
        // A policy set on the file (COLD is 2) is reported as the namenode gives it.
        var cold = status
        cold.storagePolicyID = 2
        #expect(WebHDFSReplies.fileStatus(cold).rendered.contains(#""storagePolicy":2,"#))
    }
}
