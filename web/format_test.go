package web

import (
	"strings"
	"testing"
)

func TestFormatHelpers(t *testing.T) {
	if s := shellQuote([]string{"-mapper", "cat x", "it's", "a=b"}); s != `-mapper 'cat x' 'it'\''s' a=b` {
		t.Errorf("shellQuote: %s", s)
	}
	if !strings.Contains(humanBytes(3<<20), "3.0 MiB") || humanInt(1234567) != "1,234,567" {
		t.Error("humanBytes or humanInt")
	}
}
