package mapreduce_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"zebra/mapreduce"
	"zebra/mapreduce/mrtest"
)

func readXML(t *testing.T, fsys mapreduce.FS, s mapreduce.Split, conf *mapreduce.Conf) []string {
	t.Helper()
	r, err := mapreduce.OpenXMLRecords(context.Background(), fsys, s, conf)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []string
	for {
		k, v, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if v != nil {
			t.Fatalf("value %q, want none", v)
		}
		out = append(out, string(k))
	}
}

// TestXMLRecordsEverySplitPoint cuts the file in two at every offset: the
// two splits together must yield exactly the records of the whole file, in
// order, whatever the cut (each record belongs to the split where its begin
// pattern starts).
func TestXMLRecordsEverySplitPoint(t *testing.T) {
	ctx := context.Background()
	data := "junk <doc>\n <a>1</a>\n</doc> x <<doc>skipped</doc><doc>two</doc>\n<doc>three\n</doc> <doc>open"
	fsys := &mrtest.MemFS{}
	w, err := fsys.Create(ctx, "/in.xml")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, data)
	w.Close()
	conf := mapreduce.NewConf()
	conf.Set(mapreduce.KeyXMLBegin, "<doc>")
	conf.Set(mapreduce.KeyXMLEnd, "</doc>")
	whole := readXML(t, fsys, mapreduce.Split{Path: "/in.xml", Length: int64(len(data))}, conf)
	// Hadoop's matcher does not retry the byte that broke a partial match,
	// so "<<doc>" holds no begin pattern; the unterminated last one is no
	// record.
	want := []string{"<doc>\n <a>1</a>\n</doc>", "<doc>two</doc>", "<doc>three\n</doc>"}
	if strings.Join(whole, "|") != strings.Join(want, "|") {
		t.Fatalf("whole file: %q, want %q", whole, want)
	}
	// The property holds where no partial begin pattern precedes a full
	// one ("<<doc>" is read as a record by a split starting at its second
	// byte, in Hadoop too).
	data = strings.Replace(data, "<<doc>skipped</doc>", "", 1)
	fsys.RemoveAll(ctx, "/in.xml")
	w, _ = fsys.Create(ctx, "/in.xml")
	io.WriteString(w, data)
	w.Close()
	for cut := 1; cut < len(data); cut++ {
		a := readXML(t, fsys, mapreduce.Split{Path: "/in.xml", Length: int64(cut)}, conf)
		b := readXML(t, fsys, mapreduce.Split{Path: "/in.xml", Start: int64(cut), Length: int64(len(data) - cut)}, conf)
		if got := strings.Join(append(a, b...), "|"); got != strings.Join(want, "|") {
			t.Fatalf("cut at %d: %q + %q", cut, a, b)
		}
	}
}

func TestXMLRecordsMissingPattern(t *testing.T) {
	fsys := &mrtest.MemFS{}
	_, err := mapreduce.OpenXMLRecords(context.Background(), fsys, mapreduce.Split{Path: "/x"}, mapreduce.NewConf())
	if err == nil || !strings.Contains(err.Error(), "missing required property: stream.recordreader.begin") {
		t.Fatalf("got %v", err)
	}
}
