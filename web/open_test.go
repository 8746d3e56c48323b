package web

import "testing"

func TestOpenPath(t *testing.T) {
	tenant := Principal{Tenant: "AUTH_a"}
	for _, tc := range []struct {
		p    Principal
		raw  string
		want openTarget
		ok   bool
	}{
		{tenant, "/images/photo.jpg", openTarget{"", "images", "photo.jpg"}, true},
		{tenant, "/images/dir/photo.jpg", openTarget{"", "images", "dir/photo.jpg"}, true},
		{tenant, "/AUTH_a/images/photo.jpg", openTarget{"AUTH_a", "images", "photo.jpg"}, true},
		{tenant, "/AUTH_b/images/photo.jpg", openTarget{"AUTH_b", "images", "photo.jpg"}, true},
		{Principal{Admin: true}, "/AUTH_b/images/x", openTarget{"AUTH_b", "images", "x"}, true},
		{tenant, "/AUTH_b/images", openTarget{"", "AUTH_b", "images"}, true}, // two parts: container and object
		{tenant, "/images", openTarget{}, false},
		{tenant, "/images/", openTarget{}, false},
		{tenant, "/", openTarget{}, false},
		{tenant, "/c/../../../logs/job_1_0001/attempt_1_0001_m_000000_0/stderr", openTarget{}, false},
		{tenant, "/images/./photo.jpg", openTarget{}, false},
		{tenant, "/images/a/..", openTarget{}, false},
		{tenant, "/images/a..b", openTarget{"", "images", "a..b"}, true},
	} {
		got, ok := openPath(tc.p, tc.raw)
		if got != tc.want || ok != tc.ok {
			t.Errorf("openPath(%q) = %+v, %v; want %+v, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}
