/// The `<property><name>…</name><value>…</value></property>` entries of a Hadoop
/// configuration file (core-site.xml, hdfs-site.xml), in file order. Enough XML for what
/// Hadoop writes and what people hand-edit: comments, whitespace, the five predefined
/// entities and numeric character references; other elements (`<description>`, `<final>`)
/// are skipped. Pure: the caller reads the file.
enum HadoopXML {
    static func properties(in text: String) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var rest = Substring(withoutComments(text))
        while let open = rest.range(of: "<property") {
            rest = rest[open.upperBound...]
            guard let close = rest.range(of: "</property>") else { break }
            let body = rest[..<close.lowerBound]
            rest = rest[close.upperBound...]
            if let name = element("name", in: body), let value = element("value", in: body) {
                result.append((decodeEntities(name).trimmed, decodeEntities(value).trimmed))
            }
        }
        return result
    }

    private static func withoutComments(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let start = rest.range(of: "<!--") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].range(of: "-->") else { return output }
            rest = rest[end.upperBound...]
        }
        return output + rest
    }

    /// The text inside `<tag>…</tag>` (or "" for `<tag/>`), nil when the element is absent.
    private static func element(_ tag: String, in body: Substring) -> Substring? {
        if body.range(of: "<\(tag)/>") != nil { return "" }
        guard let open = body.range(of: "<\(tag)>"),
              let close = body[open.upperBound...].range(of: "</\(tag)>") else { return nil }
        return body[open.upperBound..<close.lowerBound]
    }

    static func decodeEntities(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        var output = ""
        var rest = text
        while let amp = rest.firstIndex(of: "&") {
            output += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": output += "&"
            case "lt": output += "<"
            case "gt": output += ">"
            case "quot": output += "\""
            case "apos": output += "'"
            default:
                if entity.hasPrefix("#x"), let code = UInt32(entity.dropFirst(2), radix: 16), let scalar = Unicode.Scalar(code) {
                    output.unicodeScalars.append(scalar)
                } else if entity.hasPrefix("#"), let code = UInt32(entity.dropFirst()), let scalar = Unicode.Scalar(code) {
                    output.unicodeScalars.append(scalar)
                } else {
                    output += rest[amp...semicolon]
                }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return output + rest
    }
}

extension StringProtocol {
    var trimmed: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
