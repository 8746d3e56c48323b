package worker

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"zebra/jobtracker/api"
)

// Attempt logs over HTTP. A worker keeps each attempt's files in
// <data>/logs/<job>/<attempt>/ (stderr, and record.json for replay); the
// jobtracker's web UI reads them through this server:
//
//	GET /logs/{job}/{attempt}/          the attempt's files: [{"name": "stderr", "size": 123}, ...]
//	GET /logs/{job}/{attempt}/{file}    one file; ?tail=N: only its last N bytes
//
// Every request must carry the cluster token as X-Auth-Token when the
// server has one.

var (
	jobIDPattern     = regexp.MustCompile(`^job_[A-Za-z0-9.-]+_[0-9]+$`)
	attemptIDPattern = regexp.MustCompile(`^attempt_[A-Za-z0-9.-]+_[0-9]+_[mr]_[0-9]+_[0-9]+$`)
	logFilePattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
)

// LogHandler serves the attempt logs under dir (a worker's <data>/logs).
// A non-empty token is required as X-Auth-Token on every request.
func LogHandler(dir, token string) http.Handler {
	mux := http.NewServeMux()
	check := func(w http.ResponseWriter, r *http.Request) (string, bool) {
		if token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Auth-Token")), []byte(token)) != 1 {
			http.Error(w, "a valid X-Auth-Token is required", http.StatusUnauthorized)
			return "", false
		}
		job, attempt := r.PathValue("job"), r.PathValue("attempt")
		if !jobIDPattern.MatchString(job) || !attemptIDPattern.MatchString(attempt) {
			http.Error(w, "not a job and attempt id", http.StatusBadRequest)
			return "", false
		}
		return filepath.Join(job, attempt), true
	}
	mux.HandleFunc("GET /logs/{job}/{attempt}/{$}", func(w http.ResponseWriter, r *http.Request) {
		rel, ok := check(w, r)
		if !ok {
			return
		}
		ents, err := os.ReadDir(filepath.Join(dir, rel))
		if errors.Is(err, fs.ErrNotExist) {
			http.Error(w, "no logs of "+r.PathValue("attempt")+" on this worker", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		files := []api.LogFile{}
		for _, e := range ents {
			if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
				files = append(files, api.LogFile{Name: e.Name(), Size: fi.Size()})
			}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(files)
	})
	mux.HandleFunc("GET /logs/{job}/{attempt}/{file}", func(w http.ResponseWriter, r *http.Request) {
		rel, ok := check(w, r)
		if !ok {
			return
		}
		name := r.PathValue("file")
		if !logFilePattern.MatchString(name) {
			http.Error(w, "not a log file name", http.StatusBadRequest)
			return
		}
		serveLogFile(w, r, filepath.Join(dir, rel, name))
	})
	return mux
}

// serveLogFile sends a log file, or its last ?tail= bytes.
func serveLogFile(w http.ResponseWriter, r *http.Request, path string) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "no such log file", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.Error(w, "no such log file", http.StatusNotFound)
		return
	}
	size := fi.Size()
	var from int64
	if v := r.URL.Query().Get("tail"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			http.Error(w, "tail must be a byte count", http.StatusBadRequest)
			return
		}
		from = max(0, size-n)
	}
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if filepath.Ext(path) == ".json" {
		w.Header().Set("Content-Type", "application/json")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Header().Set("X-Log-Size", strconv.FormatInt(size, 10))
	w.Header().Set("X-Log-Offset", strconv.FormatInt(from, 10))
	w.Header().Set("Content-Length", strconv.FormatInt(size-from, 10))
	io.CopyN(w, f, size-from)
}

// ServeLogs serves LogHandler(dir, token) on ln until ctx ends.
func ServeLogs(ctx context.Context, ln net.Listener, dir, token string, log *slog.Logger) error {
	return ServeHandler(ctx, ln, LogHandler(dir, token), log)
}

// LogURLFor is the URL a log server listening on ln advertises: its
// address, with an unspecified host (0.0.0.0, ::) replaced by host.
func LogURLFor(ln net.Listener, host string) string {
	h, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return "http://" + ln.Addr().String()
	}
	if ip := net.ParseIP(h); ip != nil && ip.IsUnspecified() && host != "" {
		h = host
	}
	return "http://" + net.JoinHostPort(h, port)
}
