// Prints the splits Hadoop's old-API FileInputFormat (the one streaming
// uses) computes for a directory of local files: one "name start length"
// line per split, in getSplits order.
//
// Usage: java -cp <hadoop classpath> OldApiSplits.java DIR NUMSPLITS:BLOCKSIZE...
// Each NUMSPLITS:BLOCKSIZE pair prints a line "# NUMSPLITS BLOCKSIZE", then its splits.
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapred.FileInputFormat;
import org.apache.hadoop.mapred.FileSplit;
import org.apache.hadoop.mapred.InputSplit;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.TextInputFormat;

public class OldApiSplits {
  public static void main(String[] args) throws Exception {
    for (int i = 1; i < args.length; i++) {
      String[] pair = args[i].split(":");
      JobConf conf = new JobConf();
      conf.set("fs.defaultFS", "file:///");
      // A new FileSystem per pair: a cached one keeps its first block size.
      conf.setBoolean("fs.file.impl.disable.cache", true);
      conf.setLong("fs.local.block.size", Long.parseLong(pair[1]));
      FileInputFormat.setInputPaths(conf, new Path("file://" + args[0]));
      TextInputFormat format = new TextInputFormat();
      format.configure(conf);
      System.out.println("# " + pair[0] + " " + pair[1]);
      for (InputSplit s : format.getSplits(conf, Integer.parseInt(pair[0]))) {
        FileSplit f = (FileSplit) s;
        System.out.println(f.getPath().getName() + " " + f.getStart() + " " + f.getLength());
      }
    }
  }
}
