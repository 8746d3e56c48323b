package jobtracker

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"zebra/jobtracker/api"
)

// maxJSON bounds a JSON request body.
const maxJSON = 64 << 20

// Handler serves the tracker's internal HTTP API: the worker protocol
// under /internal/v1 (see package api) and GET /healthz. It checks no
// credentials: it is meant to sit behind web.Server, which serves the
// client API (/api/v1), the UI and the JobHistory API itself and passes
// only the cluster token's requests (and /healthz) through to it.
func (t *Tracker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("POST /internal/v1/workers", func(w http.ResponseWriter, r *http.Request) {
		var reg api.Registration
		if !readJSON(w, r, &reg) {
			return
		}
		out, err := t.Register(reg)
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /internal/v1/workers/{id}/poll", func(w http.ResponseWriter, r *http.Request) {
		var p api.Poll
		if !readJSON(w, r, &p) {
			return
		}
		out, err := t.Poll(r.Context(), r.PathValue("id"), p)
		if errors.Is(err, ErrUnknownWorker) {
			writeError(w, http.StatusNotFound, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("POST /internal/v1/attempts/{id}/commit", func(w http.ResponseWriter, r *http.Request) {
		if err := t.CanCommit(r.URL.Query().Get("worker"), r.PathValue("id")); err != nil {
			writeError(w, http.StatusConflict, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"commit": true})
	})
	mux.HandleFunc("POST /internal/v1/attempts/{id}/done", func(w http.ResponseWriter, r *http.Request) {
		var rep api.AttemptReport
		if !readJSON(w, r, &rep) {
			return
		}
		switch rep.State {
		case api.AttemptSucceeded, api.AttemptFailed, api.AttemptKilled:
		default:
			writeError(w, http.StatusBadRequest, fmt.Sprintf("state %q: want SUCCEEDED, FAILED or KILLED", rep.State))
			return
		}
		if err := t.Done(r.PathValue("id"), rep); err != nil {
			writeError(w, http.StatusGone, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("POST /internal/v1/attempts/{id}/fetch-failure", func(w http.ResponseWriter, r *http.Request) {
		var f api.FetchFailure
		if !readJSON(w, r, &f) {
			return
		}
		if err := t.FetchFailure(r.URL.Query().Get("worker"), r.PathValue("id"), f); err != nil {
			writeError(w, http.StatusGone, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET /internal/v1/jobs/{id}/plan", func(w http.ResponseWriter, r *http.Request) {
		p, ok := t.Plan(r.PathValue("id"))
		if !ok {
			writeError(w, http.StatusNotFound, "no job "+r.PathValue("id"))
			return
		}
		writeJSON(w, http.StatusOK, p)
	})
	mux.HandleFunc("GET /internal/v1/jobs/{id}/bundle", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := t.Plan(r.PathValue("id")); !ok {
			writeError(w, http.StatusNotFound, "no job "+r.PathValue("id"))
			return
		}
		p := t.BundlePath(r.PathValue("id"))
		if p == "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.ServeFile(w, r, p)
	})
	mux.HandleFunc("POST /internal/v1/jobs/{id}/channels", func(w http.ResponseWriter, r *http.Request) {
		var c api.Channels
		if !readJSON(w, r, &c) {
			return
		}
		if err := t.PublishChannels(r.PathValue("id"), c); err != nil {
			writeError(w, http.StatusGone, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET /internal/v1/jobs/{id}/channels", func(w http.ResponseWriter, r *http.Request) {
		ms, err := strconv.Atoi(r.URL.Query().Get("wait"))
		if err != nil || ms < 0 {
			writeError(w, http.StatusBadRequest, "wait must be a non-negative integer")
			return
		}
		out, ok := t.LookupChannels(r.Context(), r.PathValue("id"), r.URL.Query()["want"], min(time.Duration(ms)*time.Millisecond, time.Minute))
		if !ok {
			writeError(w, http.StatusGone, "no running job "+r.PathValue("id"))
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /internal/v1/jobs/{id}/map-outputs", func(w http.ResponseWriter, r *http.Request) {
		from, err1 := strconv.Atoi(r.URL.Query().Get("from"))
		ms, err2 := strconv.Atoi(r.URL.Query().Get("wait"))
		if err := errors.Join(err1, err2); err != nil || from < 0 || ms < 0 {
			writeError(w, http.StatusBadRequest, "from and wait must be non-negative integers")
			return
		}
		out, ok := t.MapOutputs(r.Context(), r.PathValue("id"), from, min(time.Duration(ms)*time.Millisecond, time.Minute))
		if !ok {
			writeError(w, http.StatusNotFound, "no job "+r.PathValue("id"))
			return
		}
		writeJSON(w, http.StatusOK, out)
	})
	return recoverPanics(t.log, mux)
}

// recoverPanics turns a panic in h into a 500 answer to that request
// only, logged with its stack; the tenant sees no internals.
func recoverPanics(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Error("internal API handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
			writeError(w, http.StatusInternalServerError, "internal error in "+r.Method+" "+r.URL.Path+": see the jobtracker log")
		}()
		h.ServeHTTP(w, r)
	})
}

// readJSON decodes a request body strictly (unknown fields are errors);
// on failure it answers 400 and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "malformed request body: "+err.Error())
		return false
	}
	return true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, api.Error{Error: msg})
}
