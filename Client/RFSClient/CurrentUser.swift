#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Who the client acts as when the caller names nobody: `HADOOP_USER_NAME` when set (what
/// Hadoop's UserGroupInformation reads with SIMPLE auth), else the OS user.
public enum CurrentUser {
    public static func name(environment: [String: String]) -> String {
        if let named = environment["HADOOP_USER_NAME"], !named.isEmpty { return named }
        return osUserName()
    }

    static func osUserName() -> String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name {
            return String(cString: name)
        }
        return "uid\(geteuid())"
    }
}
