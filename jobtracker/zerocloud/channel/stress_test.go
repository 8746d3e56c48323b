package channel

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestManyChannels streams 40 channels at once, 8 times over, each
// receiver closing as soon as it has the end: every one must arrive whole
// and every Send return. (With an acknowledgement sent back by the
// receiver, some replies were lost under load and their senders waited
// forever; see the package doc.)
func TestManyChannels(t *testing.T) {
	key := clusterKey(t)
	for round := range 8 {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for i := range 40 {
			r, err := Listen("tcp://127.0.0.1:*", key, []string{key.Public})
			if err != nil {
				t.Fatal(err)
			}
			payload := bytes.Repeat([]byte{byte(i)}, i*37)
			wg.Add(2)
			go func() {
				defer wg.Done()
				var b bytes.Buffer
				_, err := r.Copy(ctx, &b)
				r.Close()
				if err != nil || !bytes.Equal(b.Bytes(), payload) {
					errs <- fmt.Errorf("recv %d: %v", i, err)
				}
			}()
			go func() {
				defer wg.Done()
				if _, err := Send(ctx, r.Endpoint(), key, key.Public, bytes.NewReader(payload)); err != nil {
					errs <- fmt.Errorf("round %d send %d: %v", round, i, err)
				}
			}()
		}
		wg.Wait()
		cancel()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
}
