package hdfs

import (
	"context"
	"errors"
	"net/url"
	"sync"

	"zebra/mapreduce"
)

// Stores hands out one FS per NameNode authority, for a registry. Close
// closes them all.
type Stores struct {
	opts Options
	mu   sync.Mutex
	fss  map[string]*FS
}

// Register binds hdfs:// URLs in r to FSs made with opts (one per NameNode,
// created on first use and kept). hdfs:///path (no authority) goes to the
// default FS (Options.DefaultFS, else fs.defaultFS of the Hadoop
// configuration).
func Register(r *mapreduce.Registry, opts Options) *Stores {
	s := &Stores{opts: opts, fss: map[string]*FS{}}
	r.Register("hdfs", s.Open)
	return s
}

// Open is a mapreduce.Opener for hdfs:// URLs.
func (s *Stores) Open(_ context.Context, _ *url.URL, raw string) (mapreduce.FS, string, error) {
	auth, p, err := splitURI(raw)
	if err != nil {
		return nil, "", mapreduce.E("resolve path", mapreduce.Invalid, raw, err)
	}
	f, err := s.FS(auth)
	if err != nil {
		return nil, "", err
	}
	return f, p, nil
}

// FS returns the FS of authority ("" for the default FS).
func (s *Stores) FS(authority string) (*FS, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.fss[authority]; f != nil {
		return f, nil
	}
	f, err := New(authority, s.opts)
	if err != nil {
		return nil, err
	}
	if g := s.fss[f.authority]; g != nil {
		f = g // "" and the default's own authority share one FS
	}
	s.fss[authority] = f
	s.fss[f.authority] = f
	return f, nil
}

// Close closes every FS handed out.
func (s *Stores) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	seen := map[*FS]bool{}
	for _, f := range s.fss {
		if !seen[f] {
			seen[f] = true
			errs = append(errs, f.Close())
		}
	}
	s.fss = map[string]*FS{}
	return errors.Join(errs...)
}
