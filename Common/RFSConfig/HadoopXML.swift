/// Hadoop's configuration file format (core-site.xml, hdfs-site.xml, a `-conf` file):
/// `<configuration>` holding `<property><name>…</name><value>…</value></property>` entries.
///
/// Enough XML for what Hadoop writes and what people hand-edit: the prolog, comments,
/// whitespace, CDATA, the five predefined entities and numeric character references; other
/// elements of a property (`<description>`, `<final>`, `<source>`) are skipped, as is
/// `<xi:include>`; the attribute form `<property name="…" value="…"/>` is read too. A property
/// without a name or with an empty value sets nothing, as in Hadoop. A file
/// that is not a configuration (no `<configuration>` element, an unterminated comment or
/// property) is refused, with the line where it goes wrong. Pure: the caller reads the file.
public enum HadoopXML {
    public struct Property: Sendable, Equatable {
        public var name: String
        public var value: String
        /// 1-based line of the `<property>` tag, for messages.
        public var line: Int
    }

    /// Whether `text` looks like an XML file rather than rfs's `key = value` format.
    public static func looksLikeXML(_ text: String) -> Bool {
        text.drop { $0.isWhitespace || $0 == "\u{FEFF}" }.first == "<"
    }

    public static func properties(in text: String, path: String) throws(ConfigError) -> [Property] {
        let uncommented = try withoutComments(text, path: path)
        guard uncommented.firstRange(of: "<configuration") != nil else {
            throw .xml(path: path, line: 1, reason: "not a Hadoop configuration file: no <configuration> element")
        }
        var result: [Property] = []
        var rest = Substring(uncommented)
        while let open = rest.firstRange(of: "<property") {
            let line = lineNumber(of: open.lowerBound, in: uncommented)
            rest = rest[open.upperBound...]
            // `<properties>` or the like is not a property.
            guard let next = rest.first, next == ">" || next == "/" || next.isWhitespace else { continue }
            guard let tagEnd = rest.firstIndex(of: ">") else {
                throw .xml(path: path, line: line, reason: "<property> is not closed by </property>")
            }
            let tag = rest[..<tagEnd]
            rest = rest[rest.index(after: tagEnd)...]
            // Hadoop also takes <property name="…" value="…"/>; elements inside win over attributes.
            var name = attribute("name", in: tag)
            var value = attribute("value", in: tag)
            if !tag.hasSuffix("/") {
                guard let close = rest.firstRange(of: "</property>") else {
                    throw .xml(path: path, line: line, reason: "<property> is not closed by </property>")
                }
                let body = rest[..<close.lowerBound]
                rest = rest[close.upperBound...]
                if let element = element("name", in: body) { name = characterData(of: element) }
                if let element = element("value", in: body) { value = characterData(of: element) }
            }
            // An empty value sets nothing, as in Hadoop (its parser keeps no value for it).
            guard let name = name?.trimmingWhitespace(), !name.isEmpty, let value = value?.trimmingWhitespace(), !value.isEmpty else { continue }
            result.append(Property(name: name, value: value, line: line))
        }
        return result
    }

    /// An attribute's decoded value in a start tag (`name="…"` or `name='…'`).
    private static func attribute(_ name: String, in tag: Substring) -> String? {
        var rest = tag
        while let found = rest.firstRange(of: name) {
            let before = found.lowerBound == tag.startIndex ? " " : tag[tag.index(before: found.lowerBound)]
            var after = rest[found.upperBound...].drop { $0.isWhitespace }
            rest = rest[found.upperBound...]
            guard before.isWhitespace, after.first == "=" else { continue }
            after = after.dropFirst().drop { $0.isWhitespace }
            guard let quote = after.first, quote == "\"" || quote == "'" else { continue }
            let value = after.dropFirst()
            guard let end = value.firstIndex(of: quote) else { return nil }
            return decodeEntities(value[..<end])
        }
        return nil
    }

    /// The text with comments blanked out, line breaks kept (so positions map to lines).
    private static func withoutComments(_ text: String, path: String) throws(ConfigError) -> String {
        var output = ""
        var rest = Substring(text)
        while let start = rest.firstRange(of: "<!--") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstRange(of: "-->") else {
                throw .xml(path: path, line: lineNumber(of: start.lowerBound, in: text), reason: "a comment (<!--) is not closed by -->")
            }
            output += String(repeating: "\n", count: rest[start.lowerBound..<end.upperBound].count { $0 == "\n" })
            rest = rest[end.upperBound...]
        }
        return output + rest
    }

    private static func lineNumber(of index: String.Index, in text: String) -> Int {
        text[..<index].utf8.count { $0 == UInt8(ascii: "\n") } + 1
    }

    /// The content of `<tag>…</tag>` (or "" for `<tag/>`), nil when the element is absent.
    private static func element(_ tag: String, in body: Substring) -> Substring? {
        if body.firstRange(of: "<\(tag)/>") != nil || body.firstRange(of: "<\(tag) />") != nil { return "" }
        guard let open = body.firstRange(of: "<\(tag)>"),
              let close = body[open.upperBound...].firstRange(of: "</\(tag)>") else { return nil }
        return body[open.upperBound..<close.lowerBound]
    }

    /// Character data: CDATA sections verbatim, entities decoded elsewhere.
    private static func characterData(of content: Substring) -> String {
        var output = ""
        var rest = content
        while let start = rest.firstRange(of: "<![CDATA[") {
            output += decodeEntities(rest[..<start.lowerBound])
            guard let end = rest[start.upperBound...].firstRange(of: "]]>") else { return output + rest[start.upperBound...] }
            output += rest[start.upperBound..<end.lowerBound]
            rest = rest[end.upperBound...]
        }
        return output + decodeEntities(rest)
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
