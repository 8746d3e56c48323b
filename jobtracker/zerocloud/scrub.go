package zerocloud

import (
	"sort"
	"strings"
)

// The worker's host paths (its data directory, where a job's apps,
// bundle and images live) are not the tenant's business: an error or log
// line a tenant can read names the job's own paths instead (ZeroCloud's
// exec.path, the image's /image, the instance's working directory ".").

// scrubbedError is err with the message msg; it unwraps to err, so that
// its kind (mapreduce.KindOf) still decides retries.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrubber replaces host paths by what the tenant knows them as.
type scrubber struct {
	pairs [][2]string // host path, replacement; longest host path first
}

// add records that host is known to the tenant as name.
func (s *scrubber) add(host, name string) {
	if host == "" || host == "/" {
		return
	}
	s.pairs = append(s.pairs, [2]string{host, name})
	sort.SliceStable(s.pairs, func(i, j int) bool { return len(s.pairs[i][0]) > len(s.pairs[j][0]) })
}

// text returns t with every host path replaced.
func (s *scrubber) text(t string) string {
	for _, p := range s.pairs {
		t = strings.ReplaceAll(t, p[0], p[1])
	}
	return t
}

// err returns err with its message scrubbed (nil stays nil; an error
// without host paths is returned as it is).
func (s *scrubber) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if clean := s.text(msg); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}
