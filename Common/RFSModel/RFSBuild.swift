/// What this build of rfs calls itself (`rfs version`, the web UI, `/jmx`).
public enum RFSBuild {
    public static let version = "0.1.0"
}
