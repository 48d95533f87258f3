// Drives block storage policies through Hadoop's own Java client (DistributedFileSystem or
// WebHdfsFileSystem, by the URL's scheme; the 3.5.0 jars inside pyspark): `hdfs storagepolicies` (StoragePolicyAdmin) is not in the pyspark
// wheel, and FsShell has no storage-policy command. Run as a single-file source:
//   java -cp <jars> StoragePolicyTool.java <fs-url> list
//   java -cp <jars> StoragePolicyTool.java <fs-url> get <path>       (getStoragePolicy)
//   java -cp <jars> StoragePolicyTool.java <fs-url> set <path> <policy>
//   java -cp <jars> StoragePolicyTool.java <fs-url> unset <path>
//   java -cp <jars> StoragePolicyTool.java <fs-url> satisfy <path>   (satisfyStoragePolicy)
//   java -cp <jars> StoragePolicyTool.java <fs-url> status <path>    (the file status's policy id)
//   java -cp <jars> StoragePolicyTool.java <fs-url> ls <path>        (each entry's name and policy id)
// Prints the result and exits 0; on an exception, prints its class name on the first line and
// its message on the second, and exits 1.
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockStoragePolicySpi;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.protocol.HdfsFileStatus;

public class StoragePolicyTool {
    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        conf.setInt("ipc.client.connect.max.retries", 0);
        // DistributedFileSystem for hdfs://, WebHdfsFileSystem for webhdfs://: the same calls.
        FileSystem fs = FileSystem.get(URI.create(args[0]), conf);
        try {
            switch (args[1]) {
                case "list":
                    for (BlockStoragePolicySpi policy : fs.getAllStoragePolicies()) System.out.println(policy);
                    break;
                case "get":
                    System.out.println(fs.getStoragePolicy(new Path(args[2])));
                    break;
                case "set":
                    fs.setStoragePolicy(new Path(args[2]), args[3]);
                    System.out.println("ok");
                    break;
                case "unset":
                    fs.unsetStoragePolicy(new Path(args[2]));
                    System.out.println("ok");
                    break;
                case "satisfy":
                    fs.satisfyStoragePolicy(new Path(args[2]));
                    System.out.println("ok");
                    break;
                case "status":
                    System.out.println(((HdfsFileStatus) fs.getFileStatus(new Path(args[2]))).getStoragePolicy());
                    break;
                case "ls":
                    for (FileStatus status : fs.listStatus(new Path(args[2]))) {
                        System.out.println(status.getPath().getName() + " " + ((HdfsFileStatus) status).getStoragePolicy());
                    }
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
