// GenGolden computes reference outputs from the real Hadoop 3.4.1 / JDK 17
// classes for zebra's Go tests. It is test tooling for zebra, not part of the
// build. Run it through regen.sh (which builds the classpath with Maven):
//
//   mapreduce/testdata/javaref/regen.sh
//
// Outputs (all text, one case per line, tab separated; byte strings are
// escaped: bytes < 0x21, > 0x7e and any of % , | ! become %XX):
//
//   mapreduce/testdata/keyfield_golden.tsv   KeyFieldHelper parsing, comparator,
//                                            partitioners, Text decoding
//   mapreduce/testdata/quicksort_golden.txt  QuickSort / HeapSort permutations
//   streaming/testdata/aggregate_golden.tsv  aggregate reducer/combiner
//   streaming/testdata/double_golden.tsv     Double.toString / parseDouble / parseLong
//
// Everything is driven by fixed seeds, so re-running gives identical files.

import java.io.*;
import java.lang.reflect.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.DataOutputBuffer;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapred.JobConf;
import org.apache.hadoop.mapred.OutputCollector;
import org.apache.hadoop.mapred.Reporter;
import org.apache.hadoop.mapred.lib.HashPartitioner;
import org.apache.hadoop.mapred.lib.aggregate.ValueAggregatorBaseDescriptor;
import org.apache.hadoop.mapred.lib.aggregate.ValueAggregatorCombiner;
import org.apache.hadoop.mapred.lib.aggregate.ValueAggregatorReducer;
import org.apache.hadoop.mapreduce.lib.partition.KeyFieldBasedComparator;
import org.apache.hadoop.mapreduce.lib.partition.KeyFieldBasedPartitioner;
import org.apache.hadoop.util.HeapSort;
import org.apache.hadoop.util.IndexedSortable;
import org.apache.hadoop.util.QuickSort;

public class GenGolden {
  static String esc(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      int c = x & 0xff;
      if (c < 0x21 || c > 0x7e || c == '%' || c == ',' || c == '|' || c == '!') {
        sb.append(String.format("%%%02X", c));
      } else {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  static String esc(String s) { return esc(s.getBytes(StandardCharsets.UTF_8)); }

  static String list(List<byte[]> l) {
    StringBuilder sb = new StringBuilder();
    sb.append(l.size()).append('|');
    for (int i = 0; i < l.size(); i++) {
      if (i > 0) sb.append(',');
      sb.append(esc(l.get(i)));
    }
    return sb.toString();
  }

  public static void main(String[] args) throws Exception {
    String mr = args[0], st = args[1];
    try (PrintWriter w = out(mr + "/keyfield_golden.tsv")) { keyfield(w); }
    try (PrintWriter w = out(mr + "/quicksort_golden.txt")) { quicksort(w); }
    try (PrintWriter w = out(st + "/aggregate_golden.tsv")) { aggregate(w); }
    try (PrintWriter w = out(st + "/double_golden.tsv")) { doubles(w); }
  }

  static PrintWriter out(String path) throws IOException {
    return new PrintWriter(new BufferedWriter(new OutputStreamWriter(
        new FileOutputStream(path), StandardCharsets.UTF_8)));
  }

  // ---------------------------------------------------------------- keyfield

  static Object newHelper() throws Exception {
    Class<?> c = Class.forName("org.apache.hadoop.mapreduce.lib.partition.KeyFieldHelper");
    Constructor<?> k = c.getDeclaredConstructor();
    k.setAccessible(true);
    return k.newInstance();
  }

  static String parse(String opts) {
    try {
      Object h = newHelper();
      Method po = h.getClass().getDeclaredMethod("parseOption", String.class);
      po.setAccessible(true);
      Method ks = h.getClass().getDeclaredMethod("keySpecs");
      ks.setAccessible(true);
      try {
        po.invoke(h, opts);
      } catch (InvocationTargetException e) {
        return "ERR\t" + esc(e.getCause().toString());
      }
      List<?> l = (List<?>) ks.invoke(h);
      StringBuilder sb = new StringBuilder("OK\t").append(l.size()).append('|');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) sb.append(',');
        sb.append(l.get(i).toString());
      }
      return sb.toString();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  static String randomOpts(Random r, boolean mostlyValid) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + r.nextInt(3);
    for (int i = 0; i < n; i++) {
      if (i > 0) sb.append(' ');
      int t = r.nextInt(10);
      if (t == 0) { sb.append(new String[]{"-n", "-r", "-nr", "-rn", "-x"}[r.nextInt(5)]); continue; }
      sb.append("-k");
      if (r.nextInt(6) == 0) sb.append(' ');
      sb.append(pos(r, true, mostlyValid));
      if (r.nextInt(3) != 0) sb.append(',').append(pos(r, false, mostlyValid));
    }
    if (!mostlyValid && r.nextInt(4) == 0) {
      String junk = ".,nr-0123k x\t";
      int m = 1 + r.nextInt(4);
      for (int i = 0; i < m; i++) sb.insert(r.nextInt(sb.length() + 1), junk.charAt(r.nextInt(junk.length())));
    }
    return sb.toString();
  }

  static String pos(Random r, boolean first, boolean valid) {
    StringBuilder sb = new StringBuilder();
    sb.append(valid ? 1 + r.nextInt(4) : r.nextInt(5) - (r.nextInt(8) == 0 ? 2 : 0));
    if (r.nextInt(3) == 0) sb.append('.').append(valid ? (first ? 1 : 0) + r.nextInt(4) : r.nextInt(6) - 1);
    int f = r.nextInt(4);
    if (f == 1) sb.append('n');
    if (f == 2) sb.append('r');
    if (f == 3) sb.append(r.nextBoolean() ? "nr" : "rn");
    return sb.toString();
  }

  static final String[] NUMS = {"0", "00", "-0", "-0.0", "0.0", ".0", "-.0", "1", "01", "-1", "10", "9", "-9",
      "1.5", "1.50", "1.05", "-1.5", "-1.50", ".5", "-.5", "123", "-123", "12.3", "123.", "-", ".", "-.",
      "1a", "a1", "1-2", "2e3", "1.2.3", "99999999999999999999", "0001", "-0001.1000", "+1", " 1"};

  static byte[] randomKey(Random r, String sep, boolean utf) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int nf = r.nextInt(5);
    for (int i = 0; i < nf; i++) {
      if (i > 0) b.writeBytes(sep.getBytes(StandardCharsets.UTF_8));
      int t = r.nextInt(6);
      if (t <= 2) {
        b.writeBytes(NUMS[r.nextInt(NUMS.length)].getBytes(StandardCharsets.UTF_8));
      } else if (t == 3) {
        // nothing: empty field
      } else {
        int len = 1 + r.nextInt(5);
        String alpha = "ab0-.:,\t9z";
        for (int j = 0; j < len; j++) b.write(alpha.charAt(r.nextInt(alpha.length())));
        if (utf && r.nextInt(4) == 0) {
          byte[][] hi = {{(byte) 0xc3, (byte) 0xa9}, {(byte) 0xff}, {(byte) 0xe2, (byte) 0x82},
              {(byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80}};
          b.writeBytes(hi[r.nextInt(hi.length)]);
        }
      }
    }
    if (r.nextInt(10) == 0) b.writeBytes(sep.getBytes(StandardCharsets.UTF_8));
    return b.toByteArray();
  }

  static byte[] randomBytes(Random r) {
    int len = r.nextInt(9);
    byte[] b = new byte[len];
    int[] pool = {0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee,
        0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xf8, 0xfe, 0xff};
    for (int i = 0; i < len; i++) {
      b[i] = (byte) (r.nextInt(4) == 0 ? r.nextInt(256) : pool[r.nextInt(pool.length)]);
    }
    return b;
  }

  static byte[] textBytes(byte[] key) throws IOException {
    DataOutputBuffer o = new DataOutputBuffer();
    new Text(key).write(o);
    return Arrays.copyOf(o.getData(), o.getLength());
  }

  static void keyfield(PrintWriter w) throws Exception {
    w.println("# Generated by mapreduce/testdata/javaref/GenGolden.java against Hadoop 3.4.1 on JDK 17; do not edit.");
    w.println("# parse <opts> OK <n>|<spec,...> | parse <opts> ERR <exception>");
    w.println("# cmp <opts> <sep> <a> <b> <sign>|EXC   part <opts> <sep> <key> <R> <p>   hash <key> <R> <p>");
    w.println("# text <bytes> <Text.toString() as UTF-8> <String.hashCode>");
    String[] fixed = {"", " ", "-n", "-r", "-nr", "-k1", "-k 1", "-k", "-k1,1", "-k2,2nr", "-k1.2,1.3", "-k1n", "-k1nr",
        "-k1rn,2", "-k1,2n", "-k1.1n,2.0r", "-n -k1", "-k1 -n", "-k1r -n", "-k2 -k1n", "-k1.", "-k1,", "-k1,2.",
        "-k1.x", "-kx", "-k1x", "-k.1", "-k,1", "-k1,2,3", "-k1.2.3", "-k1,2.3.4", "-k1n2", "-k1,2n3", "-k1,2x",
        "-k-1", "-k+2", "-k0", "-k1.0", "-k0.0,0.0", "-k99999999999", "-k2147483647", "-k2147483648", "-k-2147483648",
        "-k1\t-n", "-k\t2", "foo -k1", "-kn", "-kr", "-k1rr", "-k1,1nnrr", "-x -y", "-k1.-1", "-k1,1.-1",
        "-k\u0661", "-k1,\u0662", "-k\uff13", "-nr -k2,2 -k1,1r", "-k3,1", "-k2.3,1.1", "-k1.5,1.2"};
    for (String o : fixed) w.println("parse\t" + esc(o) + "\t" + parse(o));
    Random r = new Random(42);
    for (int i = 0; i < 3000; i++) {
      String o = randomOpts(r, i % 3 == 0);
      w.println("parse\t" + esc(o) + "\t" + parse(o));
    }

    // Comparator and partitioner over random keys.
    String[] cmpOpts = {"", " ", "-n", "-r", "-nr", "-k1,1", "-k2,2", "-k2,2n", "-k2,2nr", "-k1n", "-k1,1n -k2,2r",
        "-k2.2,2.3", "-k1.0", "-k2.0,3.0", "-k3,1", "-k1.3,1.2n", "-k2 -k1", "-k1.2", "-k0", "-k1,2.0", "-n -k2,2 -k1,1"};
    String[] seps = {"\t", ".", "::", ","};
    Random kr = new Random(7);
    for (String o : cmpOpts) {
      for (String sep : seps) {
        for (int i = 0; i < 4; i++) {
          String oo = i == 0 ? o : randomOpts(kr, true);
          if (parse(oo).startsWith("ERR")) continue;
          Configuration conf = new Configuration(false);
          conf.set(KeyFieldBasedComparator.COMPARATOR_OPTIONS, oo);
          conf.set(KeyFieldBasedPartitioner.PARTITIONER_OPTIONS, oo);
          conf.set("mapreduce.map.output.key.field.separator", sep);
          KeyFieldBasedComparator<Text, Text> kc = new KeyFieldBasedComparator<>();
          kc.setConf(conf);
          KeyFieldBasedPartitioner<Text, Text> kp = new KeyFieldBasedPartitioner<>();
          kp.setConf(conf);
          int rows = i == 0 ? 120 : 45;
          for (int j = 0; j < rows; j++) {
            byte[] a = randomKey(kr, sep, j % 5 == 0);
            byte[] b = kr.nextInt(8) == 0 ? a.clone() : randomKey(kr, sep, j % 5 == 0);
            String res;
            try {
              byte[] ta = textBytes(a), tb = textBytes(b);
              res = Integer.toString(Integer.signum(kc.compare(ta, 0, ta.length, tb, 0, tb.length)));
            } catch (RuntimeException e) {
              res = "EXC";
            }
            w.println("cmp\t" + esc(oo) + "\t" + esc(sep) + "\t" + esc(a) + "\t" + esc(b) + "\t" + res);
            int parts = new int[]{1, 2, 3, 7, 64, 1000}[kr.nextInt(6)];
            w.println("part\t" + esc(oo) + "\t" + esc(sep) + "\t" + esc(a) + "\t" + parts + "\t"
                + kp.getPartition(new Text(a), null, parts));
          }
        }
      }
    }
    // Hand-picked comparator cases (also used as keyfield_test.go's table).
    String[][] fixedCmp = {{"", "\t", "a", "b"}, {"-k2,2n", "\t", "x\t10", "x\t9"}, {"-k2,2nr", "\t", "x\t10", "x\t9"},
        {"-k1,1", "\t", "a\tz", "a\ty"}, {"-k2", "\t", "a", "a\tb"}, {"-k2", "\t", "a", "b"}, {"-n", "\t", "-0.0", "0"},
        {"-n", "\t", "1.5", "1.50001"}, {"-n", "\t", " 5", "4"}, {" ", "\t", "", ""}, {"-k2,2", "::", "a:::b", "a::b"},
        {"-k1.0", "\t", "ab", "b"}, {"-k2,1", "\t", "b\ta", "a\tb"}, {"-n", "\t", "-1", "-01.0"}, {"-n", "\t", "0.10", ".1"}};
    for (String[] c : fixedCmp) {
      Configuration conf = new Configuration(false);
      conf.set(KeyFieldBasedComparator.COMPARATOR_OPTIONS, c[0]);
      conf.set("mapreduce.map.output.key.field.separator", c[1]);
      KeyFieldBasedComparator<Text, Text> kc = new KeyFieldBasedComparator<>();
      kc.setConf(conf);
      byte[] ta = textBytes(c[2].getBytes(StandardCharsets.UTF_8)), tb = textBytes(c[3].getBytes(StandardCharsets.UTF_8));
      w.println("cmp\t" + esc(c[0]) + "\t" + esc(c[1]) + "\t" + esc(c[2]) + "\t" + esc(c[3]) + "\t"
          + Integer.signum(kc.compare(ta, 0, ta.length, tb, 0, tb.length)));
    }
    HashPartitioner<Text, Text> hp = new HashPartitioner<>();
    for (int i = 0; i < 2000; i++) {
      byte[] k = i % 2 == 0 ? randomKey(kr, "\t", true) : randomBytes(kr);
      int parts = new int[]{1, 2, 3, 7, 64, 1000}[kr.nextInt(6)];
      w.println("hash\t" + esc(k) + "\t" + parts + "\t" + hp.getPartition(new Text(k), null, parts));
    }
    for (int i = 0; i < 3000; i++) {
      byte[] k = randomBytes(kr);
      String s = new Text(k).toString();
      w.println("text\t" + esc(k) + "\t" + esc(s.getBytes(StandardCharsets.UTF_8)) + "\t" + s.hashCode());
    }
  }

  // --------------------------------------------------------------- quicksort

  static final class Arr implements IndexedSortable {
    final int[] v, idx;
    Arr(int[] v) {
      this.v = v.clone();
      idx = new int[v.length];
      for (int i = 0; i < v.length; i++) idx[i] = i;
    }
    public int compare(int i, int j) { return Integer.compare(v[i], v[j]); }
    public void swap(int i, int j) {
      int t = v[i]; v[i] = v[j]; v[j] = t;
      t = idx[i]; idx[i] = idx[j]; idx[j] = t;
    }
  }

  static String join(int[] a) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < a.length; i++) {
      if (i > 0) sb.append(' ');
      sb.append(a[i]);
    }
    return sb.toString();
  }

  static void quicksort(PrintWriter w) throws Exception {
    w.println("# Generated by mapreduce/testdata/javaref/GenGolden.java against Hadoop 3.4.1; do not edit.");
    w.println("# <algo> <lo> <hi> <depth> : <values> : <final permutation of original indices>");
    w.println("# algo qs = QuickSort.sort(s, lo, hi); qsd = private sortInternal with the given depth; hs = HeapSort.sort");
    Method internal = QuickSort.class.getDeclaredMethod("sortInternal", IndexedSortable.class, int.class, int.class,
        org.apache.hadoop.util.Progressable.class, int.class);
    internal.setAccessible(true);
    Random r = new Random(1234);
    List<int[]> inputs = new ArrayList<>();
    for (int n = 1; n <= 40; n++) for (int k = 0; k < 3; k++) inputs.add(rnd(r, n, 1 + r.nextInt(n + 1)));
    int[] sizes = {50, 100, 257, 1000, 3000};
    for (int n : sizes) {
      inputs.add(rnd(r, n, 2));
      inputs.add(rnd(r, n, 10));
      inputs.add(rnd(r, n, n));
      int[] asc = new int[n], desc = new int[n], eq = new int[n], organ = new int[n];
      for (int i = 0; i < n; i++) { asc[i] = i; desc[i] = n - i; eq[i] = 5; organ[i] = Math.min(i, n - i); }
      inputs.add(asc); inputs.add(desc); inputs.add(eq); inputs.add(organ);
    }
    for (int[] in : inputs) {
      Arr a = new Arr(in);
      new QuickSort().sort(a, 0, in.length);
      w.println("qs 0 " + in.length + " - : " + join(in) + " : " + join(a.idx));
      if (in.length >= 20 && in.length <= 1000) {
        int lo = in.length / 7, hi = in.length - in.length / 5;
        a = new Arr(in);
        new QuickSort().sort(a, lo, hi);
        w.println("qs " + lo + " " + hi + " - : " + join(in) + " : " + join(a.idx));
        for (int d : new int[]{0, 1, 2, 3}) {
          a = new Arr(in);
          internal.invoke(null, a, 0, in.length, null, d);
          w.println("qsd 0 " + in.length + " " + d + " : " + join(in) + " : " + join(a.idx));
        }
      }
      if (in.length <= 257) {
        a = new Arr(in);
        new HeapSort().sort(a, 0, in.length);
        w.println("hs 0 " + in.length + " - : " + join(in) + " : " + join(a.idx));
      }
    }
  }

  static int[] rnd(Random r, int n, int k) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) a[i] = r.nextInt(k);
    return a;
  }

  // --------------------------------------------------------------- aggregate

  static List<byte[]> collect(boolean reducer, byte[] key, List<byte[]> vals, List<byte[]> outKeys) throws IOException {
    List<byte[]> out = new ArrayList<>();
    OutputCollector<Text, Text> oc = (k, v) -> {
      outKeys.add(Arrays.copyOf(k.getBytes(), k.getLength()));
      out.add(Arrays.copyOf(v.getBytes(), v.getLength()));
    };
    Iterator<Text> it = vals.stream().map(Text::new).iterator();
    if (reducer) {
      new ValueAggregatorReducer<Text, Text>().reduce(new Text(key), it, oc, Reporter.NULL);
    } else {
      new ValueAggregatorCombiner<Text, Text>().reduce(new Text(key), it, oc, Reporter.NULL);
    }
    return out;
  }

  static final String[] TYPES = {"LongValueSum", "LongValueMax", "LongValueMin", "DoubleValueSum", "StringValueMax",
      "StringValueMin", "UniqValueCount", "ValueHistogram"};

  static final String[] LONGS = {"0", "1", "-1", "+7", "42", "-42", "9223372036854775807", "-9223372036854775808",
      "9223372036854775808", "-9223372036854775809", "0010", "-0", "\u0661\u0662", "\uff11", "1.0", "", " 1", "1 ",
      "abc", "-", "+", "1e3", "0x10", "\u0967"};
  static final String[] DOUBLES = {"0", "1", "-1", "0.1", "0.2", "0.3", "1e7", "1e-3", "1.0E-4", "123456789",
      "  2.5  ", "NaN", "-NaN", "Infinity", "-Infinity", "+Infinity", "0x1p3", "0x1.8P-1", "1d", "1.5f", "2D", "3F",
      "abc", "", " ", "1e400", "-1e400", "4.9e-324", "1e-330", ".5", "5.", ".", "1e", "1e+", "e5", "inf", "1_0",
      "0.1e1", "9007199254740993", "1.7976931348623157E308", "2.2250738585072014E-308", "-0", "1,5", "\t3\n", "0x", "0x.p1"};
  static final String[] STRS = {"", "a", "b", "A", "ab", "abc", "z", "\u00e9", "\uffff", "\ud83d\ude00", "\uff21",
      "a b", "a\tb", "10", "9", "-1", "\u0000"};

  static void aggregate(PrintWriter w) throws Exception {
    w.println("# Generated by mapreduce/testdata/javaref/GenGolden.java against Hadoop 3.4.1 on JDK 17; do not edit.");
    w.println("# agg <aggregate.max.num.unique.values> <key> <values> <reducer: key|value or !exception> <combiner values or !exception>");
    List<Object[]> cases = new ArrayList<>();
    String[] keys = {"LongValueSum:x", "longvaluesum:x", "LONGVALUEMAX:a:b", "LongValueSum:", "NoColon", "Foo:x",
        ":x", "ValueHistogram:h", "UniqValueCount:u", "StringValueMax:\u00e9", "DoubleValueSum:d"};
    Random r = new Random(99);
    for (String k : keys) cases.add(new Object[]{0L, k, pick(r, LONGS, 3)});
    for (String t : TYPES) {
      String[] pool = t.startsWith("Long") ? LONGS : t.startsWith("Double") ? DOUBLES : STRS;
      for (String v : pool) cases.add(new Object[]{0L, t + ":one", List.of(v)});
    }
    for (int i = 0; i < 2500; i++) {
      String t = TYPES[r.nextInt(TYPES.length)];
      int n = 1 + r.nextInt(8);
      List<String> vals = new ArrayList<>();
      for (int j = 0; j < n; j++) vals.add(randomValue(r, t));
      long max = t.equals("UniqValueCount") && r.nextInt(3) == 0 ? r.nextInt(4) : 0;
      cases.add(new Object[]{max, t + ":id" + r.nextInt(5), vals});
    }
    for (Object[] c : cases) {
      long max = (Long) c[0];
      JobConf job = new JobConf(false);
      if (max != 0) job.setLong("aggregate.max.num.unique.values", max);
      new ValueAggregatorBaseDescriptor().configure(job); // sets the static cap as the reducer's configure does
      byte[] key = ((String) c[1]).getBytes(StandardCharsets.UTF_8);
      @SuppressWarnings("unchecked")
      List<String> sv = (List<String>) c[2];
      List<byte[]> vals = new ArrayList<>();
      for (String s : sv) vals.add(s.getBytes(StandardCharsets.UTF_8));
      if (r.nextInt(20) == 0) vals.add(new byte[]{(byte) 0xff, 'x'});
      String red, comb;
      try {
        List<byte[]> ok = new ArrayList<>();
        List<byte[]> ov = collect(true, key, vals, ok);
        red = esc(ok.get(0)) + "|" + esc(ov.get(0));
      } catch (Exception e) {
        red = "!" + esc(e.toString());
      }
      try {
        List<byte[]> ok = new ArrayList<>();
        comb = list(collect(false, key, vals, ok));
      } catch (Exception e) {
        comb = "!" + esc(e.toString());
      }
      w.println("agg\t" + max + "\t" + esc(key) + "\t" + list(vals) + "\t" + red + "\t" + comb);
    }
  }

  static List<String> pick(Random r, String[] pool, int n) {
    List<String> l = new ArrayList<>();
    for (int i = 0; i < n; i++) l.add(pool[r.nextInt(Math.min(pool.length, 8))]);
    return l;
  }

  static String randomValue(Random r, String t) {
    switch (t) {
      case "LongValueSum": case "LongValueMax": case "LongValueMin":
        if (r.nextInt(30) == 0) return LONGS[r.nextInt(LONGS.length)];
        return Long.toString(r.nextInt(3) == 0 ? r.nextLong() : r.nextInt(2001) - 1000);
      case "DoubleValueSum":
        if (r.nextInt(30) == 0) return DOUBLES[r.nextInt(DOUBLES.length)];
        switch (r.nextInt(4)) {
          case 0: return Integer.toString(r.nextInt(100000));
          case 1: return (r.nextInt(20000) - 10000) / 100.0 + "";
          case 2: return String.format("%.3e", r.nextGaussian() * Math.pow(10, r.nextInt(20) - 10));
          default: return Double.toString(r.nextDouble());
        }
      case "ValueHistogram": {
        String v = STRS[r.nextInt(STRS.length)];
        switch (r.nextInt(6)) {
          case 0: return v;
          case 1: return v + "\t" + (r.nextInt(10) - 2);
          case 2: return v + "\t" + r.nextInt(1000000);
          case 3: return "w" + r.nextInt(6) + "\t" + (1 + r.nextInt(4));
          case 4: return "w" + r.nextInt(6);
          default: return r.nextInt(40) == 0 ? v + "\tx" : "w" + r.nextInt(3) + "\t" + r.nextInt(3);
        }
      }
      default:
        return r.nextBoolean() ? STRS[r.nextInt(STRS.length)] : "v" + r.nextInt(6);
    }
  }

  // ----------------------------------------------------------------- doubles

  static void doubles(PrintWriter w) {
    w.println("# Generated by mapreduce/testdata/javaref/GenGolden.java on JDK 17; do not edit.");
    w.println("# dts <double bits hex> <Double.toString>   pd <string> <bits hex or !exception>   pl <string> <value or !exception>");
    Random r = new Random(2024);
    List<Double> ds = new ArrayList<>();
    double[] fixed = {0.0, -0.0, 1.0, -1.0, 0.1, 0.2, 0.3, 0.1 + 0.2, 1e7, 9999999.0, 1e-3, 0.001, 9.99e-4, 1e-4,
        123456789.0, 1e21, 1e22, 1e23, 2e23, 5e-324, 4.9e-324, Double.MIN_NORMAL, Double.MAX_VALUE, Math.PI, Math.E,
        Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.0 / 3, 2.0 / 3, 100.0, 1234.5, 0.5, 0.25,
        2.82879384806159E17, 1.0E-5, 1152921504606846976.0, 9007199254740993.0, 4.35, 0.8, 1.1, 12345678.9};
    for (double d : fixed) ds.add(d);
    for (int e = -1075; e <= 1024; e++) { ds.add(Math.scalb(1.0, e)); ds.add(Math.nextUp(Math.scalb(1.0, e))); ds.add(Math.nextDown(Math.scalb(1.0, e))); }
    for (int e = -325; e <= 309; e++) { double d = Double.parseDouble("1e" + e); ds.add(d); ds.add(Math.nextUp(d)); ds.add(Math.nextDown(d)); }
    for (int i = 0; i < 12000; i++) ds.add(Double.longBitsToDouble(r.nextLong()));
    for (int i = 0; i < 4000; i++) ds.add((double) (r.nextLong() >> r.nextInt(64)));
    for (int i = 0; i < 5000; i++) ds.add((r.nextInt(2000001) - 1000000) / Math.pow(10, r.nextInt(12)));
    for (int i = 0; i < 3000; i++) ds.add(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
    for (int i = 0; i < 2000; i++) { double a = r.nextInt(1000) / 100.0, b = r.nextInt(1000) / 10.0; ds.add(a + b); ds.add(a * b); ds.add(a / (b + 1)); }
    for (double d : ds) w.println("dts\t" + Long.toHexString(Double.doubleToRawLongBits(d)) + "\t" + Double.toString(d));

    List<String> ps = new ArrayList<>(Arrays.asList(DOUBLES));
    ps.addAll(Arrays.asList("1e-400", "0x1.fffffffffffffp1023", "0x1p-1075", "0x1p-1074", "0x.8p1", "0X1P1", "0x1p1f",
        "1e2147483648", "1e-2147483649", "000.000e000", "-.e1", "+.5", "++1", "1e+-1", "Infinityx", "NaNd", "1ee2",
        "\u00a01", "1\u0000", "0.0000000000000000000000000000000000000000001e40", "123456789012345678901234567890",
        "2.4703282292062328e-324", "2.4703282292062327e-324", "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126"));
    for (int i = 0; i < 3000; i++) {
      StringBuilder sb = new StringBuilder();
      if (r.nextInt(4) == 0) sb.append(r.nextBoolean() ? '-' : '+');
      int nd = 1 + r.nextInt(25);
      for (int j = 0; j < nd; j++) sb.append((char) ('0' + r.nextInt(10)));
      if (r.nextBoolean()) sb.insert(r.nextInt(sb.length() + 1), '.');
      if (r.nextInt(3) == 0) sb.append(r.nextBoolean() ? 'e' : 'E').append(r.nextInt(700) - 350);
      if (r.nextInt(10) == 0) sb.append("fFdD".charAt(r.nextInt(4)));
      ps.add(sb.toString());
    }
    for (String s : ps) {
      String res;
      try {
        res = Long.toHexString(Double.doubleToRawLongBits(Double.parseDouble(s)));
      } catch (NumberFormatException e) {
        res = "!" + esc(e.toString());
      }
      w.println("pd\t" + esc(s) + "\t" + res);
    }
    List<String> ls = new ArrayList<>(Arrays.asList(LONGS));
    ls.addAll(Arrays.asList("\u0660", "\u06f9", "\u0e55", "\u1040", "\uff10\uff19", "\ud835\udfce", "\u00b2", "1\u0663",
        "922337203685477580", "9223372036854775806", "-9223372036854775807", "00000000000000000000001", "--1", "+-1"));
    for (int i = 0; i < 500; i++) ls.add(Long.toString(r.nextLong() >> r.nextInt(64)));
    for (String s : ls) {
      String res;
      try {
        res = Long.toString(Long.parseLong(s));
      } catch (NumberFormatException e) {
        res = "!" + esc(e.toString());
      }
      w.println("pl\t" + esc(s) + "\t" + res);
    }
  }
}
