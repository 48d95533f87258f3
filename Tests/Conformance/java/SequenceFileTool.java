// Writes a SequenceFile with Hadoop's own SequenceFile.Writer (the 3.5.0 jars inside pyspark),
// so that `rfs dfs -text` is judged on files Hadoop made. Run as a single-file source:
//   java -cp <jars> SequenceFileTool.java <fs-url> <path> <NONE|RECORD|BLOCK> <keyType> <valueType> <records>
// Types: text, int, long, bytes, null, double, float, boolean, vint. Record n's key and value
// are made from n, so the output is the same on every run. Prints "ok".
import java.net.URI;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.*;
import org.apache.hadoop.io.compress.DefaultCodec;

public class SequenceFileTool {
    static Class<? extends Writable> type(String name) {
        switch (name) {
            case "text": return Text.class;
            case "int": return IntWritable.class;
            case "long": return LongWritable.class;
            case "bytes": return BytesWritable.class;
            case "null": return NullWritable.class;
            case "double": return DoubleWritable.class;
            case "float": return FloatWritable.class;
            case "boolean": return BooleanWritable.class;
            case "vint": return VIntWritable.class;
            default: throw new IllegalArgumentException(name);
        }
    }

    static Writable value(String name, int n) {
        switch (name) {
            case "text": return new Text("record " + n + " \u00e9t\u00e9 " + "x".repeat(n % 7));
            case "int": return new IntWritable(n * 7919 - 1000);
            case "long": return new LongWritable(((long) n) * 1_000_000_007L - 5);
            case "bytes": return new BytesWritable(new byte[] {(byte) n, (byte) (n >> 8), (byte) 0xff, 0x0a});
            case "null": return NullWritable.get();
            case "double": return new DoubleWritable(n * 1.5e-4 + (n % 3 == 0 ? 1e9 : 0));
            case "float": return new FloatWritable(n / 8.0f);
            case "boolean": return new BooleanWritable(n % 2 == 0);
            case "vint": return new VIntWritable(n * 131 - 20000);
            default: throw new IllegalArgumentException(name);
        }
    }

    public static void main(String[] args) throws Exception {
        Configuration conf = new Configuration();
        FileSystem.get(URI.create(args[0]), conf);
        conf.set("fs.defaultFS", args[0]);
        SequenceFile.CompressionType compression = SequenceFile.CompressionType.valueOf(args[2]);
        try (SequenceFile.Writer writer = SequenceFile.createWriter(conf,
                SequenceFile.Writer.file(new Path(args[1])),
                SequenceFile.Writer.keyClass(type(args[3])),
                SequenceFile.Writer.valueClass(type(args[4])),
                SequenceFile.Writer.compression(compression, new DefaultCodec()))) {
            int records = Integer.parseInt(args[5]);
            for (int n = 0; n < records; n++) {
                writer.append(value(args[3], n), value(args[4], n));
                if (n % 500 == 499) writer.sync();
            }
        }
        System.out.println("ok");
    }
}
