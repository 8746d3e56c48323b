package browsertest

import (
	"os"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestNothingLeft: a browser that New started and the test's cleanup
// stopped leaves nothing in the temporary directory (Chromium's
// org.chromium.Chromium.* singleton directories were left by every
// browser before).
func TestNothingLeft(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Run("browser", func(t *testing.T) {
		ctx := New(t, 0)
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
	})
	ents, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("left in TMPDIR: %s", e.Name())
	}
}
