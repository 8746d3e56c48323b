// SplitGolden writes streaming/testdata/split_golden.tsv, the reference
// results of Hadoop streaming's command splitting and key/value splitting,
// computed by the real Hadoop classes (hadoop-streaming 3.4.x jar, see
// scripts/hadoop-oracle.sh). It is zebra's own test tooling, read by
// streaming/command_test.go. Regenerate with:
//
//   scripts/hadoop-oracle.sh install
//   streaming/testdata/javaref/regen.sh
//
// Both methods are private or package-private in Hadoop and are reached by
// reflection:
//   org.apache.hadoop.streaming.PipeMapRed.splitArgs(String)   (static)
//   org.apache.hadoop.streaming.io.TextOutputReader.splitKeyVal(byte[], int, Text, Text)
//     with its numKeyFields / separator fields set as initialize() would set
//     them from stream.num.{map,reduce}.output.key.fields and
//     stream.{map,reduce}.output.field.separator.
//
// Output: one case per line, tab separated. Byte strings are escaped: bytes
// < 0x21, > 0x7e and any of % , | become %XX; a list is "<count>|a,b,c".
//
//   split <command>   <list of argv>
//   kv    <line>      <separator>  <numKeyFields>  <key>  <value>
//
// All random cases come from fixed seeds, so re-running gives the same file.

import java.io.*;
import java.lang.reflect.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

import org.apache.hadoop.io.Text;
import org.apache.hadoop.streaming.io.TextOutputReader;

public class SplitGolden {
  static String esc(byte[] b, int off, int len) {
    StringBuilder sb = new StringBuilder();
    for (int i = off; i < off + len; i++) {
      int c = b[i] & 0xff;
      if (c < 0x21 || c > 0x7e || c == '%' || c == ',' || c == '|') {
        sb.append(String.format("%%%02X", c));
      } else {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  static String esc(byte[] b) { return esc(b, 0, b.length); }

  static String esc(String s) { return esc(s.getBytes(StandardCharsets.UTF_8)); }

  public static void main(String[] args) throws Exception {
    Method split = Class.forName("org.apache.hadoop.streaming.PipeMapRed")
        .getDeclaredMethod("splitArgs", String.class);
    split.setAccessible(true);

    Method kv = TextOutputReader.class.getDeclaredMethod(
        "splitKeyVal", byte[].class, int.class, Text.class, Text.class);
    kv.setAccessible(true);
    Field numKeys = TextOutputReader.class.getDeclaredField("numKeyFields");
    numKeys.setAccessible(true);
    Field sepField = TextOutputReader.class.getDeclaredField("separator");
    sepField.setAccessible(true);

    try (PrintWriter w = new PrintWriter(new BufferedWriter(new OutputStreamWriter(
        new FileOutputStream(args[0]), StandardCharsets.UTF_8)))) {
      List<String> cmds = new ArrayList<>(Arrays.asList(
          "", " ", "   ", "cat", "wc -l", "  wc   -l  ", "python3 m.py", "sh -c 'exit 0'",
          "sh -c \"echo hi\"", "awk '{print $1}'", "awk '{ print \"x\" }'", "a'b'c", "a\"b\"c",
          "'a b' c", "\"a b\" c", "a'' b", "a\"\"b", "''", "\"\"", "'", "\"", "'unterminated x",
          "\"unterminated y", "it's", "say \"it's\"", "say 'a \"b\" c'", "a\tb c", "a\nb c",
          "tr \\t ,", "x\\ y", "perl -ne 'print if /\\s/'", "  'lead' trail  ", "é ü", "'a'b'c'",
          "\"a'b\"'c\"d'", "cmd --opt=\"v 1\" -x", "a  'b  c'  d", "'' '' x"));
      Random r = new Random(20261201L);
      char[] alpha = {'a', 'b', ' ', ' ', '\'', '"', '\t', 'x', '\\', 'é'};
      for (int i = 0; i < 300; i++) {
        int n = r.nextInt(14);
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < n; j++) sb.append(alpha[r.nextInt(alpha.length)]);
        cmds.add(sb.toString());
      }
      for (String c : cmds) {
        String[] out = (String[]) split.invoke(null, c);
        StringBuilder sb = new StringBuilder();
        sb.append(out.length).append('|');
        for (int i = 0; i < out.length; i++) {
          if (i > 0) sb.append(',');
          sb.append(esc(out[i]));
        }
        w.println("split\t" + esc(c) + "\t" + sb);
      }

      List<byte[]> lines = new ArrayList<>();
      for (String s : new String[] {"", "\t", "a", "a\tb", "a\tb\tc", "\ta", "a\t", "a\t\tb",
          "k1,k2,v", "a::b::c", "a:::b", "ab", "aab", "abab", "x,y\tz", ",,,", "::", "abba"}) {
        lines.add(s.getBytes(StandardCharsets.UTF_8));
      }
      lines.add(new byte[] {(byte) 0xff, '\t', 0, (byte) 0x80});
      lines.add(new byte[] {0, 0, '\t', 0});
      byte[] lalpha = {'a', 'b', '\t', ',', ':', 0, (byte) 0xc3, (byte) 0xa9, (byte) 0xff};
      for (int i = 0; i < 120; i++) {
        byte[] b = new byte[r.nextInt(12)];
        for (int j = 0; j < b.length; j++) b[j] = lalpha[r.nextInt(lalpha.length)];
        lines.add(b);
      }
      String[] seps = {"\t", ",", "::", "ab", ":", "\u00e9"};
      int[] ns = {0, 1, 2, 3, 5};
      for (byte[] line : lines) {
        for (String sep : seps) {
          for (int n : ns) {
            TextOutputReader tor = new TextOutputReader();
            numKeys.setInt(tor, n);
            byte[] sb = sep.getBytes(StandardCharsets.UTF_8);
            sepField.set(tor, sb);
            Text k = new Text(), v = new Text();
            kv.invoke(tor, line, line.length, k, v);
            w.println("kv\t" + esc(line) + "\t" + esc(sb) + "\t" + n + "\t"
                + esc(k.getBytes(), 0, k.getLength()) + "\t" + esc(v.getBytes(), 0, v.getLength()));
          }
        }
      }
    }
  }
}
