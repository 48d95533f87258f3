/// Server-rendered pages: one small stylesheet, no scripts to build, a refresh every few
/// seconds so an open tab stays current.
public enum HTMLPage {
    /// Escapes text for HTML content and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A whole page: `navigation` as (label, href) pairs, `body` already escaped HTML.
    public static func render(title: String, navigation: [(String, String)], refreshSeconds: Int?, body: String) -> String {
        let refresh = refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? ""
        let links = navigation.map { "<a href=\"\(escape($0.1))\">\(escape($0.0))</a>" }.joined()
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">\(refresh)
        <title>\(escape(title))</title>
        <style>\(stylesheet)</style></head>
        <body><header><span class="brand">rfs</span><nav>\(links)</nav></header>
        <main><h1>\(escape(title))</h1>
        \(body)
        </main></body></html>
        """
    }

    /// A table; cells are already-escaped HTML.
    public static func table(headers: [String], rows: [[String]], numericColumns: Set<Int> = []) -> String {
        let head = headers.map { "<th>\(escape($0))</th>" }.joined()
        let bodyRows = rows.map { row in
            "<tr>" + row.enumerated().map { index, cell in
                numericColumns.contains(index) ? "<td class=\"num\">\(cell)</td>" : "<td>\(cell)</td>"
            }.joined() + "</tr>"
        }.joined(separator: "\n")
        return "<table><thead><tr>\(head)</tr></thead><tbody>\(bodyRows)</tbody></table>"
    }

    /// A used/total bar with its percentage.
    public static func bar(used: Int64, total: Int64) -> String {
        let percent = total > 0 ? Double(used) / Double(total) * 100 : 0
        let shown = String(format: percent)
        return "<div class=\"bar\"><div class=\"fill\" style=\"width:\(shown)%\"></div></div><span class=\"muted\">\(shown)%</span>"
    }

    /// Key/value pairs as a definition grid; values are already-escaped HTML.
    public static func facts(_ pairs: [(String, String)]) -> String {
        "<dl class=\"facts\">" + pairs.map { "<dt>\(escape($0.0))</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
    }

    /// `1.5 GB`, in powers of 1024 as HDFS's UI shows sizes.
    public static func bytes(_ count: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: value) + " " + units[unit]
    }

    /// One decimal place without Foundation.
    static func String(format value: Double) -> Swift.String {
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    static let stylesheet = """
    body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
    header{background:#1d3557;color:#fff;padding:.6em 1.5em;display:flex;gap:2em;align-items:center}
    .brand{font-weight:700;font-size:1.3em;letter-spacing:.05em}
    nav a{color:#dbe7f5;margin-right:1.2em;text-decoration:none}nav a:hover{text-decoration:underline}
    main{padding:1em 1.5em;max-width:1200px}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}
    table{border-collapse:collapse;background:#fff;width:100%;font-size:.92em}
    th,td{border-bottom:1px solid #dde3ea;padding:.35em .6em;text-align:left}th{background:#eef2f7}
    td.num{text-align:right;font-variant-numeric:tabular-nums}
    .facts{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1.5em;background:#fff;padding:1em;border:1px solid #dde3ea}
    .facts dt{color:#5a6b7d}.facts dd{margin:0;font-weight:600}
    .bar{display:inline-block;width:260px;height:.9em;background:#dde3ea;border-radius:3px;vertical-align:middle;margin-right:.6em}
    .fill{height:100%;background:#2a9d8f;border-radius:3px}
    .ok{color:#2a7d4f;font-weight:600}.warn{color:#b5651d;font-weight:600}.bad{color:#c0392b;font-weight:600}
    .muted{color:#5a6b7d}a{color:#1d5fa8}
    """
}
