import RFSClient
/// A WebHDFS request's path and query, parsed and checked before anything is done with it.
/// Parameter names are matched case-insensitively (Hadoop's ParamFilter lower-cases them).
public struct WebHDFSRequest: Sendable {
    /// The URL prefix every operation lives under.
    public static let prefix = "/webhdfs/v1"
    /// Who acts when `user.name` is absent: Hadoop's static web user.
    public static let anonymousUser = "dr.who"

    public let method: WebHDFSMethod
    public let operation: WebHDFSOperation
    /// The absolute HDFS path (`/` for the root).
    public let path: String
    /// Query parameters, names lower-cased, values percent-decoded.
    public let parameters: [String: String]
    /// The raw query, so a redirect can carry every parameter on (Hadoop's client expects it).
    public let rawQuery: String

    /// `target` is the request's path and query as sent (`/webhdfs/v1/a%20b?op=OPEN`).
    public init(method: WebHDFSMethod, target: String) throws(WebHDFSError) {
        let pathPart: Substring
        let queryPart: Substring
        if let question = target.firstIndex(of: "?") {
            pathPart = target[..<question]
            queryPart = target[target.index(after: question)...]
        } else {
            pathPart = Substring(target)
            queryPart = ""
        }
        self.method = method
        self.rawQuery = String(queryPart)
        self.parameters = WebHDFSRequest.parseQuery(queryPart)
        self.path = try WebHDFSRequest.hdfsPath(fromURLPath: pathPart)
        self.operation = try WebHDFSOperation.parse(parameters["op"], method: method)
    }

    /// `/webhdfs/v1/a/b` → `/a/b`, refusing what cannot name an inode: `.` and `..`
    /// components (a way out of the namespace on a naive server), `:` and NUL.
    static func hdfsPath(fromURLPath urlPath: Substring) throws(WebHDFSError) -> String {
        guard urlPath.hasPrefix(prefix) else {
            throw WebHDFSError(.illegalArgument, "Not a WebHDFS path: \(urlPath)")
        }
        let encoded = urlPath.dropFirst(prefix.count)
        guard let decoded = percentDecode(encoded, plusIsSpace: false) else {
            throw WebHDFSError(.invalidPath, "Invalid path name \(encoded): bad percent-encoding")
        }
        let components = decoded.split(separator: "/", omittingEmptySubsequences: true)
        for component in components where component == "." || component == ".." || component.contains(":") || component.contains("\0") {
            throw WebHDFSError(.invalidPath, "Invalid path name Invalid file name: \(decoded.isEmpty ? "/" : decoded)")
        }
        return "/" + components.joined(separator: "/")
    }

    static func parseQuery(_ query: Substring) -> [String: String] {
        var parameters: [String: String] = [:]
        // The first occurrence wins, as with Jersey's @QueryParam.
        for (name, value) in queryPairs(query) where parameters[name] == nil { parameters[name] = value }
        return parameters
    }

    /// The query's `name=value` pairs in order, names lower-cased, both percent-decoded (a
    /// name that does not decode is skipped, a value that does not is empty).
    static func queryPairs(_ query: Substring) -> [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = percentDecode(parts[0], plusIsSpace: true)?.lowercased() else { return nil }
            return (name, parts.count > 1 ? percentDecode(parts[1], plusIsSpace: true) ?? "" : "")
        }
    }

    /// Percent-decodes UTF-8; nil for a malformed escape. Query strings use `+` for a space
    /// (Python's clients send it); paths do not.
    public static func percentDecode(_ text: Substring, plusIsSpace: Bool) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else if plusIsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Percent-encodes a path for a URL, keeping `/` and the unreserved characters.
    public static func percentEncodePath(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"), UInt8(ascii: "/"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    // MARK: Typed parameters, checked as Hadoop's *Param classes check them

    /// Who the request acts as: `doas` when given (the namenode decides whether `user.name` may
    /// impersonate that user), else `user.name`, else the anonymous web user.
    public var user: String {
        if let doAs = string("doas") { return doAs }
        return authenticatedUser
    }

    /// `user.name`, or the anonymous web user: who sent the request.
    public var authenticatedUser: String {
        if let name = parameters["user.name"], !name.isEmpty { return name }
        return WebHDFSRequest.anonymousUser
    }

    /// The proxy user behind a `doas` for someone else; nil when the sender acts for itself.
    public var realUser: String? {
        guard let doAs = string("doas"), doAs != authenticatedUser else { return nil }
        return authenticatedUser
    }

    public func string(_ name: String) -> String? {
        guard let value = parameters[name], !value.isEmpty else { return nil }
        return value
    }

    /// Every non-empty value of a parameter given more than once (`xattr.name`), in order.
    public func values(_ name: String) -> [String] {
        Self.queryPairs(Substring(rawQuery)).compactMap { $0.name == name && !$0.value.isEmpty ? $0.value : nil }
    }

    /// A parameter the operation cannot go without, refused as NamenodeWebHdfsMethods'
    /// validateOpParams refuses it.
    public func requiredParameter(_ name: String) throws(WebHDFSError) -> String {
        guard let value = string(name) else {
            throw WebHDFSError(.illegalArgument, "Required param \(name) for op: \(operation.rawValue) is null or empty")
        }
        return value
    }

    /// `encoding` (XAttrEncodingParam): text, hex or base64, in any case.
    public func xattrEncoding() throws(WebHDFSError) -> XAttrCodec? {
        guard let text = string("encoding") else { return nil }
        guard let codec = XAttrCodec(rawValue: text.uppercased()) else {
            throw WebHDFSError.invalidParameter("encoding", "No enum constant org.apache.hadoop.fs.XAttrCodec.\(text.uppercased())")
        }
        return codec
    }

    /// `flag` (XAttrSetFlagParam): a comma-separated set of CREATE and REPLACE.
    public func xattrSetFlags() throws(WebHDFSError) -> FileSystem.XAttrSetFlags? {
        guard let text = string("flag") else { return nil }
        var flags: FileSystem.XAttrSetFlags = []
        for name in text.split(separator: ",", omittingEmptySubsequences: true) {
            switch name.uppercased() {
            case "CREATE": flags.insert(.create)
            case "REPLACE": flags.insert(.replace)
            default: throw WebHDFSError.invalidParameter("flag", "No enum constant org.apache.hadoop.fs.XAttrSetFlag.\(name.uppercased())")
            }
        }
        return flags
    }

    public func requiredString(_ name: String) throws(WebHDFSError) -> String {
        guard let value = string(name) else {
            throw WebHDFSError(.illegalArgument, "Required parameter \"\(name)\" is missing for op=\(operation.rawValue)")
        }
        return value
    }

    /// `true`/`false` in any case (HdfsCLI sends `True`).
    public func bool(_ name: String, default defaultValue: Bool) throws(WebHDFSError) -> Bool {
        guard let text = string(name) else { return defaultValue }
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw WebHDFSError.invalidParameter(name, "Failed to parse \"\(text)\" to Boolean.")
        }
    }

    /// A decimal integer at least `minimum` (offset, length, blocksize, newlength, times).
    public func int64(_ name: String, minimum: Int64? = nil) throws(WebHDFSError) -> Int64? {
        guard let text = string(name) else { return nil }
        guard let value = Int64(text) else {
            throw WebHDFSError.invalidParameter(name, "Failed to parse \"\(text)\" as a radix-10 long integer.")
        }
        if let minimum, value < minimum {
            throw WebHDFSError.invalidParameter(name, "Invalid parameter range: \(name) = \(value) < \(minimum)")
        }
        return value
    }

    /// `permission`: octal, 0 to 1777.
    public func permission() throws(WebHDFSError) -> UInt16? {
        guard let text = string("permission") else { return nil }
        guard let value = UInt16(text, radix: 8) else {
            throw WebHDFSError.invalidParameter("permission", "Failed to parse \"\(text)\" as a radix-8 short integer.")
        }
        guard value <= 0o1777 else {
            throw WebHDFSError.invalidParameter("permission", "Invalid parameter range: permission = \(text) > 1777")
        }
        return value
    }

    /// `fsaction` (CHECKACCESS): three characters matching HDFS's FsActionParam domain
    /// `[r-][w-][x-]`; required, as HDFS's validateOpParams requires it.
    public func fsAction() throws(WebHDFSError) -> FsAction {
        guard let text = string("fsaction") else {
            throw WebHDFSError(.illegalArgument, "Required param fsaction for op: \(operation.rawValue) is null or empty")
        }
        guard let action = FsAction(symbolic: text) else {
            throw WebHDFSError.invalidParameter("fsaction", "Invalid value: \"\(text)\" does not belong to the domain [r-][w-][x-]")
        }
        return action
    }

    /// `replication`: 1 or more.
    public func replication() throws(WebHDFSError) -> Int? {
        guard let text = string("replication") else { return nil }
        guard let value = Int16(text) else {
            throw WebHDFSError.invalidParameter("replication", "Failed to parse \"\(text)\" as a radix-10 short integer.")
        }
        guard value >= 1 else {
            throw WebHDFSError.invalidParameter("replication", "Invalid parameter range: replication = \(value) < 1")
        }
        return Int(value)
    }
}
