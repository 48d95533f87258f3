import RFSClient

/// `-stat` formats (Hadoop's `Stat`): `%a` octal and `%A` symbolic permission, `%b` length,
/// `%F` type, `%g` group, `%n` name, `%o` block size, `%r` replication, `%u` owner, `%x`/`%X`
/// access and `%y`/`%Y` modification time (UTC text / milliseconds). An unknown `%c` prints
/// `c`, a trailing `%` nothing.
public enum StatFormat {
    public static let defaultFormat = "%y"

    public static func format(_ format: String, status: FileStatus) -> String {
        var text = ""
        var characters = format.makeIterator()
        while let character = characters.next() {
            guard character == "%" else {
                text.append(character)
                continue
            }
            guard let code = characters.next() else { break }
            switch code {
            case "a": text += status.permission.octal
            case "A": text += status.permission.description
            case "b": text += String(status.length)
            case "F": text += status.isDirectory ? "directory" : (status.isFile ? "regular file" : "symlink")
            case "g": text += status.group
            case "n": text += status.name
            case "o": text += String(status.blockSizeBytes)
            case "r": text += String(status.replication)
            case "u": text += status.owner
            case "x": text += DateFormat.statUTC(milliseconds: status.accessTimeMs)
            case "X": text += String(status.accessTimeMs)
            case "y": text += DateFormat.statUTC(milliseconds: status.modificationTimeMs)
            case "Y": text += String(status.modificationTimeMs)
            default: text.append(code)
            }
        }
        return text
    }
}
