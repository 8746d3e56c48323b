package jobtracker

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"zebra/jobtracker/api"
)

// maxJSON bounds a JSON request body; maxBundle a job's file bundle.
const (
	maxJSON   = 64 << 20
	maxBundle = 4 << 30
)

// Handler serves the tracker's client and worker APIs (see package api).
func (t *Tracker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /api/v1/cluster/workers", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, t.Workers())
	})
	mux.HandleFunc("POST /api/v1/jobs", t.handleSubmit)
	mux.HandleFunc("GET /api/v1/jobs", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, t.Jobs())
	})
	mux.HandleFunc("GET /api/v1/jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		var st api.JobStatus
		var ok bool
		if after := r.URL.Query().Get("after"); after != "" {
			v, err1 := strconv.ParseInt(after, 10, 64)
			ms, err2 := strconv.Atoi(r.URL.Query().Get("wait"))
			if err := errors.Join(err1, err2); err != nil || ms < 0 {
				writeError(w, http.StatusBadRequest, "after and wait must be integers (a version and milliseconds)")
				return
			}
			st, ok = t.WaitStatus(r.Context(), id, v, min(time.Duration(ms)*time.Millisecond, time.Minute))
		} else {
			st, ok = t.Status(id)
		}
		if !ok {
			writeError(w, http.StatusNotFound, "no job "+id)
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
	mux.HandleFunc("GET /api/v1/jobs/{id}/attempts", func(w http.ResponseWriter, r *http.Request) {
		a, ok, err := t.Attempts(r.PathValue("id"))
		switch {
		case !ok:
			writeError(w, http.StatusNotFound, "no job "+r.PathValue("id"))
		case err != nil:
			writeError(w, http.StatusInternalServerError, "read attempt history: "+err.Error())
		default:
			writeJSON(w, http.StatusOK, a)
		}
	})
	mux.HandleFunc("POST /api/v1/jobs/{id}/kill", func(w http.ResponseWriter, r *http.Request) {
		if err := t.Kill(r.PathValue("id")); err != nil {
			writeError(w, http.StatusNotFound, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"killed": r.PathValue("id")})
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
	return mux
}

func (t *Tracker) handleSubmit(w http.ResponseWriter, r *http.Request) {
	plan, bundle, err := ReadSubmission(w, r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	id, err := t.Submit(r.Context(), plan, bundle)
	t.replySubmit(w, id, err)
}

// ReadSubmission reads a submission's multipart form: its "plan" part (a
// strictly decoded api.Plan) and, if present, its "bundle" part, which
// must come after the plan and is returned unread, to be streamed into
// Submit. An error is the client's fault and its text says what was wrong.
func ReadSubmission(w http.ResponseWriter, r *http.Request) (*api.Plan, io.Reader, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBundle)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, fmt.Errorf("submit: want a multipart form with a \"plan\" part: %w", err)
	}
	var plan *api.Plan
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("submit: read form: %w", err)
		}
		switch part.FormName() {
		case "plan":
			dec := json.NewDecoder(io.LimitReader(part, maxJSON))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&plan); err != nil {
				return nil, nil, fmt.Errorf("submit: plan: %w", err)
			}
		case "bundle":
			if plan == nil {
				return nil, nil, errors.New("submit: the \"plan\" part must come before the \"bundle\" part")
			}
			return plan, part, nil
		default:
			return nil, nil, fmt.Errorf("submit: unknown form part %q (want plan, bundle)", part.FormName())
		}
	}
	if plan == nil {
		return nil, nil, errors.New("submit: the plan is missing")
	}
	return plan, nil, nil
}

func (t *Tracker) replySubmit(w http.ResponseWriter, id string, err error) {
	switch {
	case errors.Is(err, ErrOutputExists):
		writeError(w, http.StatusConflict, err.Error())
	case err != nil:
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		writeJSON(w, http.StatusCreated, api.Submitted{ID: id})
	}
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
