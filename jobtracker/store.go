package jobtracker

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
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
	bucketMaps     = []byte("maps")
)

// mapRecord is what the store keeps of a finished map of a running job
// with reduces, so that a restarted tracker can keep the map if a worker
// still serves its output (see Tracker.recoverLocked).
type mapRecord struct {
	Attempt    string              `json:"attempt"`
	Worker     string              `json:"worker"` // the worker's name
	Started    time.Time           `json:"started"`
	Counters   *mapreduce.Counters `json:"counters,omitempty"`
	Partitions []int64             `json:"partitions,omitempty"`
}

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
	// JobCounters are the job group's counters (attempts launched,
	// failed, killed) of a job that ended without its final Counters.
	JobCounters *mapreduce.Counters `json:"job_counters,omitempty"`
	KilledBy    string              `json:"killed_by,omitempty"`
	KilledAt    time.Time           `json:"killed_at,omitzero"`
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
	maps   map[string]*mapRecord      // map key → record (nil: delete it)
	kick   chan struct{}
	closed chan struct{}
	done   chan struct{}
	// flushing is held by flush while a batch is neither queued nor
	// committed; readers of queue and database together (scanAttempts)
	// hold it for reading.
	flushing sync.RWMutex
	// endedAttempts and endedTasks cache what the views read of a few
	// ended jobs, keyed by job id and version (see cacheKey): an ended
	// job's history does not change, so paging through 100,000 tasks
	// reads it once.
	endedAttempts lru[[]api.AttemptInfo]
	endedTasks    lru[[]TaskView]
}

// cacheKey is the key of an ended job's cached rows: a job's version
// grows with every change, so a stale entry is never hit.
func cacheKey(job string, version int64) string { return job + "/" + strconv.FormatInt(version, 10) }

func openStore(path string, log *slog.Logger) (*store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("open jobtracker store %s: %w (is another jobtracker using this --data directory?)", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketMeta, bucketJobs, bucketAttempts, bucketMaps} {
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
	s := &store{db: db, log: log, queue: map[string]api.AttemptInfo{}, maps: map[string]*mapRecord{}, kick: make(chan struct{}, 1), closed: make(chan struct{}), done: make(chan struct{})}
	s.endedAttempts.rows = map[string][]api.AttemptInfo{}
	s.endedTasks.rows = map[string][]TaskView{}
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

// putJob writes a job record (and the job sequence) durably. A job that
// is no longer running loses its map records.
func (s *store) putJob(r *jobRecord, seq int) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode job %s: %w", r.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketMeta).Put([]byte("seq"), []byte(strconv.Itoa(seq))); err != nil {
			return err
		}
		if r.State != api.StateRunning {
			if err := deletePrefix(tx.Bucket(bucketMaps), []byte(r.ID+"/")); err != nil {
				return err
			}
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

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// putMap queues the record of a finished map (nil: the map's output was
// lost), written with the next batch of attempt records.
func (s *store) putMap(job string, index int, r *mapRecord) {
	s.mu.Lock()
	s.maps[fmt.Sprintf("%s/%08d", job, index)] = r
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// finishedMaps returns the stored records of a job's finished maps, by
// map index.
func (s *store) finishedMaps(job string) (map[int]*mapRecord, error) {
	s.flush()
	out := map[int]*mapRecord{}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketMaps).Cursor()
		prefix := []byte(job + "/")
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			i, err := strconv.Atoi(string(k[len(prefix):]))
			var r mapRecord
			if err == nil && json.Unmarshal(v, &r) == nil {
				out[i] = &r
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read finished maps of %s: %w", job, err)
	}
	return out, nil
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
	q, maps := s.queue, s.maps
	s.queue, s.maps = map[string]api.AttemptInfo{}, map[string]*mapRecord{}
	s.mu.Unlock()
	if len(q) == 0 && len(maps) == 0 {
		return
	}
	err := s.db.Update(func(tx *bolt.Tx) error {
		mb := tx.Bucket(bucketMaps)
		for k, r := range maps {
			if r == nil {
				if err := mb.Delete([]byte(k)); err != nil {
					return err
				}
				continue
			}
			v, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := mb.Put([]byte(k), v); err != nil {
				return err
			}
		}
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

// pending returns the attempt records still queued for the writer whose
// key starts with prefix.
func (s *store) pending(prefix string) map[string]api.AttemptInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]api.AttemptInfo{}
	for k, a := range s.queue {
		if strings.HasPrefix(k, prefix) {
			out[k] = a
		}
	}
	return out
}

// scanAttempts reads the attempt records under key prefix (job id + "/"
// for a job's, or a task's key prefix), the queued ones included, sorted
// by task and attempt number, without forcing the queue to disk.
func (s *store) scanAttempts(prefix string) ([]api.AttemptInfo, error) {
	s.flushing.RLock()
	defer s.flushing.RUnlock()
	recs := s.pending(prefix)
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAttempts).Cursor()
		p := []byte(prefix)
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			if _, ok := recs[string(k)]; ok {
				continue // the queued record is newer
			}
			var a api.AttemptInfo
			if err := json.Unmarshal(v, &a); err == nil {
				recs[string(k)] = a
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read attempt history: %w", err)
	}
	out := make([]api.AttemptInfo, 0, len(recs))
	for _, a := range recs {
		out = append(out, a)
	}
	sortAttempts(out)
	return out, nil
}

// sortAttempts orders attempts by task, then by attempt number (ids
// compare as strings but for the number).
func sortAttempts(as []api.AttemptInfo) {
	split := func(id string) (string, int) {
		i := strings.LastIndexByte(id, '_')
		n, _ := strconv.Atoi(id[i+1:])
		return id[:i+1], n
	}
	slices.SortFunc(as, func(a, b api.AttemptInfo) int {
		ta, na := split(a.ID)
		tb, nb := split(b.ID)
		if c := strings.Compare(ta, tb); c != 0 {
			return c
		}
		return na - nb
	})
}

// lru is a small cache of rows read from the store: it keeps the last 8
// entries put.
type lru[T any] struct {
	mu    sync.Mutex
	rows  map[string]T
	order []string
}

func (c *lru[T]) get(key string) (T, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.rows[key]
	return v, ok
}

func (c *lru[T]) put(key string, v T) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.rows[key]; ok {
		return
	}
	c.rows[key] = v
	c.order = append(c.order, key)
	if len(c.order) > 8 {
		delete(c.rows, c.order[0])
		c.order = c.order[1:]
	}
}
