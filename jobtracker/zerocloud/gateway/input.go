package gateway

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// InputPrefix starts the name of the object (in the account's .zvm
// container) that holds the body of a request with X-Zerovm-Source while
// its job runs.
const InputPrefix = "input-"

// MaxInput bounds the body of a request with X-Zerovm-Source.
const MaxInput = 1 << 30

// errTooLarge breaks off an input larger than MaxInput.
var errTooLarge = errors.New("the request body is larger than accepted")

// attachInput gives a job from X-Zerovm-Source the request's body as
// ZeroCloud did: as the data of the job's single path-less readable
// device (stdin, input or script). The body is stored, streamed, as the
// object .zvm/input-<random> of the account (never overwriting), which
// that device then names; release deletes it when the job has ended. A
// request without a body changes nothing.
func (g *Gateway) attachInput(r *http.Request, t Target, token string, job *Job) error {
	br := bufio.NewReader(r.Body)
	if _, err := br.Peek(1); err == io.EOF {
		return nil
	}
	if r.ContentLength > MaxInput {
		return refuse(http.StatusRequestEntityTooLarge, "the request body is %d bytes, more than the %d accepted", r.ContentLength, int64(MaxInput))
	}
	if job.Kind == KindScript {
		return refuse(http.StatusBadRequest, "X-Zerovm-Source names a script, which has no path-less readable device for the request's body: post the script to the object it should read, or send no body")
	}
	var groups []map[string]json.RawMessage
	if err := json.Unmarshal(job.Description, &groups); err != nil {
		return nil // not a job: zerocloud.Parse says why
	}
	type slot struct {
		group int
		key   string
		devs  []map[string]any
		index int
	}
	var slots []slot
	for gi, g := range groups {
		for _, key := range []string{"devices", "file_list"} {
			raw, ok := g[key]
			if !ok {
				continue
			}
			var devs []map[string]any
			if err := json.Unmarshal(raw, &devs); err != nil {
				return nil
			}
			for di, d := range devs {
				name, _ := d["name"].(string)
				if name == "" {
					name, _ = d["device"].(string)
				}
				if p, _ := d["path"].(string); p == "" && (name == "stdin" || name == "input" || name == "script") {
					slots = append(slots, slot{gi, key, devs, di})
				}
			}
		}
	}
	if len(slots) != 1 {
		return refuse(http.StatusBadRequest, "the request's body is the data of the job's path-less readable device (stdin, input or script), and the job from X-Zerovm-Source has %d such devices: it needs exactly one (or send no body)", len(slots))
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return fmt.Errorf("name the job's input: %w", err)
	}
	obj := InputPrefix + hex.EncodeToString(rnd[:])
	if resp, err := g.swift(r.Context(), http.MethodPut, token, t.Account, ResultContainer, "", nil, nil); err == nil {
		resp.Body.Close()
	}
	h := http.Header{"If-None-Match": {"*"}}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		h.Set("Content-Type", ct)
	}
	body := io.Reader(&limited{r: br, n: MaxInput})
	if r.ContentLength > 0 {
		body = io.LimitReader(br, r.ContentLength)
	}
	resp, err := g.swiftSized(r.Context(), http.MethodPut, token, t.Account, ResultContainer, obj, body, r.ContentLength, h)
	if errors.Is(err, errTooLarge) {
		return refuse(http.StatusRequestEntityTooLarge, "the request body is more than the %d bytes accepted", int64(MaxInput))
	}
	if err != nil {
		// The detail names the proxy's internal address: logged, not
		// shown.
		g.log.Warn("store a job's input", "account", t.Account, "object", ResultContainer+"/"+obj, "err", err)
		return refuse(http.StatusBadGateway, "store the request's body for the job: the Swift proxy could not be reached (the gateway's log says why)")
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return refuse(http.StatusBadGateway, "store the request's body for the job: Swift answered %s", resp.Status)
	}
	job.input = obj
	s := slots[0]
	s.devs[s.index]["path"] = "swift://" + t.Account + "/" + ResultContainer + "/" + obj
	raw, err := json.Marshal(s.devs)
	if err != nil {
		return fmt.Errorf("name the job's input: %w", err)
	}
	groups[s.group][s.key] = raw
	if job.Description, err = json.Marshal(groups); err != nil {
		return fmt.Errorf("name the job's input: %w", err)
	}
	return nil
}

// release deletes the stored input of a job once it has ended.
func (g *Gateway) release(t Target, token string, job *Job) {
	if job.input == "" {
		return
	}
	resp, err := g.swift(context.Background(), http.MethodDelete, token, t.Account, ResultContainer, job.input, nil, nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotFound {
			err = fmt.Errorf("DELETE: Swift answered %s", resp.Status)
		}
	}
	if err != nil {
		g.log.Warn("delete a job's stored input", "account", t.Account, "object", ResultContainer+"/"+job.input, "err", err)
	}
}

// limited reads up to n bytes and fails with errTooLarge beyond.
type limited struct {
	r io.Reader
	n int64
}

func (l *limited) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, errTooLarge
	}
	return n, err
}
