package jobtracker

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"zebra/jobtracker/api"
	"zebra/mapreduce"
)

var (
	bucketMeta     = []byte("meta")
	bucketJobs     = []byte("jobs")
	bucketAttempts = []byte("attempts")
)

// jobRecord is what the store keeps of a job. It is rewritten, durably,
// when the job is submitted and when it ends.
type jobRecord struct {
	ID          string              `json:"id"`
	Plan        *api.Plan           `json:"plan"`
	State       string              `json:"state"`
	Submitted   time.Time           `json:"submitted"`
	Finished    time.Time           `json:"finished,omitzero"`
	Counters    *mapreduce.Counters `json:"counters,omitempty"`
	Failure     *api.Failure        `json:"failure,omitempty"`
	Failed      []api.AttemptInfo   `json:"failed,omitempty"`
	Diagnostics string              `json:"diagnostics,omitempty"`
}

// store is the jobtracker's embedded persistent state (bbolt): cluster
// identity and sequence numbers, every job, and every attempt's history.
// Job records are written synchronously; attempt records are queued and
// written in batches by one goroutine, so that thousands of short tasks do
// not each wait for a disk sync. A crash loses at most the last batch of
// attempt history, never a job.
type store struct {
	db     *bolt.DB
	log    *slog.Logger
	mu     sync.Mutex
	queue  map[string]api.AttemptInfo // attempt key → record
	kick   chan struct{}
	closed chan struct{}
	done   chan struct{}
	// flushing is held by flush while a batch is neither queued nor
	// committed; readers of queue and database together (views.go) hold
	// it for reading.
	flushing sync.RWMutex
}

func openStore(path string, log *slog.Logger) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open jobtracker store %s: %w (is another jobtracker using this --data directory?)", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketJobs, bucketAttempts} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("initialise jobtracker store %s: %w", path, err)
	}
	s := &store{db: db, log: log, queue: map[string]api.AttemptInfo{}, kick: make(chan struct{}, 1), closed: make(chan struct{}), done: make(chan struct{})}
	go s.writer()
	return s, nil
}

// meta reads and updates the cluster identity: the tracker id (fixed at
// first start), the job sequence and the start epoch (incremented here).
func (s *store) start(newTracker string) (tracker string, seq, epoch int, err error) {
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if v := b.Get([]byte("tracker")); v != nil {
			tracker = string(v)
		} else {
			tracker = newTracker
			if err := b.Put([]byte("tracker"), []byte(tracker)); err != nil {
				return err
			}
		}
		seq, _ = strconv.Atoi(string(b.Get([]byte("seq"))))
		epoch, _ = strconv.Atoi(string(b.Get([]byte("epoch"))))
		epoch++
		return b.Put([]byte("epoch"), []byte(strconv.Itoa(epoch)))
	})
	if err != nil {
		err = fmt.Errorf("read jobtracker identity: %w", err)
	}
	return
}

// putJob writes a job record (and the job sequence) durably.
func (s *store) putJob(r *jobRecord, seq int) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode job %s: %w", r.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put([]byte("seq"), []byte(strconv.Itoa(seq))); err != nil {
			return err
		}
		return tx.Bucket(bucketJobs).Put([]byte(r.ID), data)
	})
	if err != nil {
		return fmt.Errorf("store job %s: %w", r.ID, err)
	}
	return nil
}

// jobs returns every stored job record.
func (s *store) jobs() ([]*jobRecord, error) {
	var out []*jobRecord
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketJobs).ForEach(func(k, v []byte) error {
			var r jobRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("job %s: %w", k, err)
			}
			out = append(out, &r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load jobs: %w", err)
	}
	return out, nil
}

// putAttempt queues an attempt's history record.
func (s *store) putAttempt(job string, a api.AttemptInfo) {
	s.mu.Lock()
	s.queue[job+"/"+a.ID] = a
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// attempts returns the stored attempt history of a job.
func (s *store) attempts(job string) ([]api.AttemptInfo, error) {
	s.flush()
	var out []api.AttemptInfo
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAttempts).Cursor()
		prefix := []byte(job + "/")
		for k, v := c.Seek(prefix); k != nil && len(k) > len(prefix) && string(k[:len(prefix)]) == string(prefix); k, v = c.Next() {
			var a api.AttemptInfo
			if err := json.Unmarshal(v, &a); err == nil {
				out = append(out, a)
			}
		}
		return nil
	})
	return out, err
}

func (s *store) writer() {
	defer close(s.done)
	for {
		select {
		case <-s.kick:
		case <-s.closed:
			s.flush()
			return
		}
		s.flush()
		time.Sleep(20 * time.Millisecond) // let a batch gather
	}
}

// flush writes every queued attempt record in one transaction.
func (s *store) flush() {
	s.flushing.Lock()
	defer s.flushing.Unlock()
	s.mu.Lock()
	q := s.queue
	s.queue = map[string]api.AttemptInfo{}
	s.mu.Unlock()
	if len(q) == 0 {
		return
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAttempts)
		for k, a := range q {
			v, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.log.Error("store attempt history", "err", err)
	}
}

func (s *store) close() error {
	close(s.closed)
	<-s.done
	return s.db.Close()
}
