// Drives setQuota and getQuotaUsage through Hadoop's own Java client (DistributedFileSystem,
// the 3.5.0 jars inside pyspark), because FsShell has no setQuota (that is dfsadmin, whose
// jar pyspark does not ship) and hdfs-native does not send it. Run as a single-file source:
//   java -cp <jars> QuotaTool.java <fs-url> setQuota <path> <namespaceQuota> <storagespaceQuota>
//   java -cp <jars> QuotaTool.java <fs-url> setQuotaByType <path> <storagespaceQuota> <type>
//   java -cp <jars> QuotaTool.java <fs-url> usage <path>
//   java -cp <jars> QuotaTool.java <fs-url> mkdirs <path>
// Prints "ok" (or the usage figures) and exits 0; on an exception, prints its class name on
// the first line and its message on the second, and exits 1.
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.QuotaUsage;
import org.apache.hadoop.fs.StorageType;
import org.apache.hadoop.hdfs.DistributedFileSystem;

public class QuotaTool {
    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        // One attempt: a refusal must come back as itself, not after client-side retries.
        conf.setInt("ipc.client.connect.max.retries", 0);
        DistributedFileSystem fs = (DistributedFileSystem) FileSystem.get(URI.create(args[0]), conf);
        try {
            Path path = new Path(args[2]);
            switch (args[1]) {
                case "setQuota":
                    fs.setQuota(path, Long.parseLong(args[3]), Long.parseLong(args[4]));
                    System.out.println("ok");
                    break;
                case "setQuotaByType":
                    fs.setQuotaByStorageType(path, StorageType.valueOf(args[4]), Long.parseLong(args[3]));
                    System.out.println("ok");
                    break;
                case "usage":
                    QuotaUsage usage = fs.getQuotaUsage(path);
                    System.out.println(usage.getFileAndDirectoryCount() + " " + usage.getQuota() + " "
                        + usage.getSpaceConsumed() + " " + usage.getSpaceQuota());
                    break;
                case "mkdirs":
                    fs.mkdirs(path);
                    System.out.println("ok");
                    break;
                default:
                    throw new IllegalArgumentException("unknown command " + args[1]);
            }
        } catch (Exception e) {
            System.out.println(e.getClass().getName());
            System.out.println(e.getMessage());
            System.exit(1);
        }
    }
}
