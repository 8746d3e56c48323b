// Compresses stdin to stdout with a Hadoop codec (args[0], a class name),
// exactly as TextOutputFormat does: codec.createOutputStream on the file
// stream. Run by compress_test.go with Hadoop's classpath (no native
// libhadoop, as the conformance oracle runs).
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionOutputStream;
import org.apache.hadoop.util.ReflectionUtils;

public class HadoopCompress {
  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    CompressionCodec codec = (CompressionCodec) ReflectionUtils.newInstance(Class.forName(args[0]), conf);
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (CompressionOutputStream out = codec.createOutputStream(buf)) {
      InputStream in = System.in;
      byte[] b = new byte[Integer.parseInt(args[1])];
      int n;
      while ((n = in.read(b)) > 0) {
        out.write(b, 0, n);
      }
    }
    OutputStream stdout = System.out;
    stdout.write(buf.toByteArray());
    stdout.flush();
  }
}
