package main

import (
	"os"
	"testing"
	"time"
)

// TestLingerWaitsForReader: with a pipe as its stderr, zebra does not exit
// before the reader has taken the job's report; with a file it does not
// wait at all.
func TestLingerWaitsForReader(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	report := []byte("INFO mapreduce.Job: Counters: 3\n")
	if _, err := w.Write(report); err != nil {
		t.Fatal(err)
	}
	read := make(chan time.Time, 1)
	go func() {
		time.Sleep(100 * time.Millisecond) // a reader that is late
		buf := make([]byte, len(report))
		if _, err := r.Read(buf); err != nil {
			t.Error(err)
		}
		read <- time.Now()
	}()
	lingerForReader(int(w.Fd()))
	done := time.Now()
	select {
	case at := <-read:
		if done.Before(at) {
			t.Errorf("returned %v before the reader took the report", at.Sub(done))
		}
	default:
		t.Fatal("returned while the report was still in the pipe")
	}

	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Now()
	lingerForReader(int(f.Fd()))
	if waited := time.Since(start); waited >= lingerGrace {
		t.Errorf("waited %v with a file as stderr, want no wait", waited)
	}
}
