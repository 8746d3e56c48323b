package zerocloud

import (
	"mime"
	"regexp"
	"strings"
)

// Swift's default constraints on an object's metadata (swift.conf
// [swift-constraints]); a job is refused before it runs rather than fail
// at its commit.
const (
	maxMetaName    = 128
	maxMetaValue   = 256
	maxMetaCount   = 90
	maxMetaOverall = 4096
)

// metaName is what a metadata key may be: Swift sends it as the header
// X-Object-Meta-<key>, and WSGI turns _ into - on the way.
var metaName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

// checkAttrs checks the content_type and meta of writable device f.
func checkAttrs(p *problems, i int, group, f string, d Device) {
	if d.ContentType != "" {
		mt, _, err := mime.ParseMediaType(d.ContentType)
		if typ, sub, _ := strings.Cut(mt, "/"); err != nil || typ == "" || sub == "" || hasControl(d.ContentType) {
			p.add(i, group, f+".content_type", "%q: not a media type (want e.g. text/plain or application/json; charset=utf-8)", d.ContentType)
		}
	}
	if len(d.Meta) > maxMetaCount {
		p.add(i, group, f+".meta", "%d keys: Swift stores at most %d", len(d.Meta), maxMetaCount)
	}
	total := 0
	for _, k := range sortedKeys(d.Meta) {
		v := d.Meta[k]
		total += len(k) + len(v)
		switch {
		case !metaName.MatchString(k):
			p.add(i, group, f+".meta."+k, "not a metadata name: letters, digits and - only (it becomes the header X-Object-Meta-%s)", k)
		case len(k) > maxMetaName:
			p.add(i, group, f+".meta."+k, "the name is %d bytes long: Swift allows %d", len(k), maxMetaName)
		case len(v) > maxMetaValue:
			p.add(i, group, f+".meta."+k, "the value is %d bytes long: Swift allows %d", len(v), maxMetaValue)
		case hasControl(v):
			p.add(i, group, f+".meta."+k, "the value has a control character (newline, tab, ...), which a header cannot carry")
		}
	}
	if total > maxMetaOverall {
		p.add(i, group, f+".meta", "names and values total %d bytes: Swift allows %d", total, maxMetaOverall)
	}
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0
}
