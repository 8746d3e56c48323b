// Runs many `hadoop fs` command lines through Hadoop's FsShell in one JVM,
// each as `hadoop fs` in a fresh JVM would run it (FsShell.main), for the
// FsShell conformance suite (../conformance_test.go): a JVM start costs
// 1-2 s, a command in a warm JVM a few milliseconds.
//
// Usage: java -cp <conf dir>:<hadoop classpath>:<dir of this class> FsShellBatch
// in the directory the commands run in. Requests on stdin, one per line:
// the number of arguments, then each argument as ':' followed by its UTF-8
// bytes in base64, all separated by single blanks. Each request gets one
// line on stdout: the exit code a fresh JVM would have exited with, the
// command's stdout and its stderr in base64, separated by single blanks.
// End of stdin ends the driver.
//
// What a fresh JVM per command gives and this driver must reproduce:
//   - stdout, stderr: System.out and System.err are replaced once, before
//     any Hadoop class is loaded, by streams that write to the current
//     command's buffers, so log4j's console appender (which keeps the
//     System.err it found when configured) logs into the command's stderr;
//     the encoding is the one the JVM gave the real streams.
//   - stdin: an empty System.in per command, as the harness gives a fresh
//     JVM /dev/null (`-put -`).
//   - FileSystem instances: FileSystem.closeAll() after each command, as
//     the JVM's shutdown hook does, so no instance (and no configuration it
//     was made with, e.g. -D or -fs) carries over to the next command.
//   - the exit code: FsShell.main's System.exit(res), seen by the parent as
//     res & 0xff; an exception out of main: its stack trace on stderr
//     ("Exception in thread "main" ...") and 1.
//   - a fresh Configuration with quiet mode off and a fresh FsShell per
//     command, closed afterwards, as FsShell.main does.
//   - Configuration's default resources: the list the first command's
//     Configuration started with, again before each command. Classes
//     Hadoop loads during a command add to it (mapred-site.xml,
//     hdfs-site.xml...) in their static initialisers, which a warm JVM does
//     not run again; and a Configuration with quiet mode off fails on a
//     default resource it does not find.
// JVM-wide state this does not reset: the thread's context class loader
// (-libjars, -files, -archives) and the current user's credentials
// (-tokenCacheFile), so the harness runs command lines with those options
// (or -conf) in a JVM of their own; messages Hadoop logs once per JVM
// (bzip2's "Using pure-Java version ...") and pooled codecs, which is why
// ZEBRA_FSSHELL_ORACLE_CHECK=1 compares this driver with fresh JVMs, case
// by case.
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UnsupportedEncodingException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

public class FsShellBatch {
  /** An OutputStream whose destination changes per command. */
  static final class Switch extends OutputStream {
    private volatile OutputStream target = OutputStream.nullOutputStream();

    void set(OutputStream t) {
      target = t;
    }

    @Override
    public void write(int b) throws IOException {
      target.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      target.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      target.flush();
    }
  }

  /** The charset the JVM gives System.out or System.err (JDK 17's System.initPhase1). */
  static String encoding(String prop) {
    String e = System.getProperty(prop);
    return e != null ? e : Charset.defaultCharset().name();
  }

  public static void main(String[] a) throws Exception {
    PrintStream realOut = System.out;
    BufferedReader requests = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Switch outSw = new Switch(), errSw = new Switch();
    PrintStream out = printStream(outSw, encoding("sun.stdout.encoding"));
    PrintStream err = printStream(errSw, encoding("sun.stderr.encoding"));
    System.setOut(out);
    System.setErr(err);
    Base64.Encoder enc = Base64.getEncoder();
    Base64.Decoder dec = Base64.getDecoder();
    for (String line; (line = requests.readLine()) != null; ) {
      String[] f = line.split(" ", -1);
      int n = Integer.parseInt(f[0]);
      if (f.length != n + 1) {
        throw new IllegalArgumentException("FsShellBatch: bad request line: " + line);
      }
      String[] argv = new String[n];
      for (int i = 0; i < n; i++) {
        if (!f[i + 1].startsWith(":")) {
          throw new IllegalArgumentException("FsShellBatch: bad argument in request line: " + line);
        }
        argv[i] = new String(dec.decode(f[i + 1].substring(1)), StandardCharsets.UTF_8);
      }
      ByteArrayOutputStream so = new ByteArrayOutputStream(), se = new ByteArrayOutputStream();
      outSw.set(so);
      errSw.set(se);
      System.setIn(new ByteArrayInputStream(new byte[0]));
      int code = run(argv);
      out.flush();
      err.flush();
      outSw.set(OutputStream.nullOutputStream());
      errSw.set(OutputStream.nullOutputStream());
      realOut.println(code + " " + enc.encodeToString(so.toByteArray()) + " " + enc.encodeToString(se.toByteArray()));
      realOut.flush();
    }
  }

  static PrintStream printStream(OutputStream o, String enc) throws UnsupportedEncodingException {
    return new PrintStream(o, true, enc);
  }

  /** FsShell.main without System.exit: returns the process exit code. */
  static int run(String[] argv) {
    int code;
    try {
      code = Main.main(argv) & 0xff;
    } catch (Throwable e) {
      // What the JVM does with an exception out of main.
      System.err.print("Exception in thread \"main\" ");
      e.printStackTrace(System.err);
      code = 1;
    }
    try {
      // The shutdown hook a fresh JVM would run on exit.
      org.apache.hadoop.fs.FileSystem.closeAll();
    } catch (Throwable e) {
      e.printStackTrace(System.err);
    }
    return code;
  }

  /** Hadoop classes only here, so none loads before the streams are switched. */
  static final class Main {
    /** Configuration's default resources before the first command. */
    static java.util.List<String> defaults;

    static int main(String[] argv) throws Exception {
      java.lang.reflect.Field f = org.apache.hadoop.conf.Configuration.class.getDeclaredField("defaultResources");
      f.setAccessible(true);
      @SuppressWarnings("unchecked")
      java.util.List<String> list = (java.util.List<String>) f.get(null);
      if (defaults == null) {
        defaults = new java.util.ArrayList<>(list);
      } else {
        list.retainAll(defaults);
        if (!list.equals(defaults)) {
          throw new IllegalStateException("FsShellBatch: Configuration's default resources " + list + ", want " + defaults);
        }
      }
      org.apache.hadoop.fs.FsShell shell = new org.apache.hadoop.fs.FsShell();
      org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
      conf.setQuietMode(false);
      shell.setConf(conf);
      try {
        return org.apache.hadoop.util.ToolRunner.run(shell, argv);
      } finally {
        shell.close();
      }
    }
  }
}
