package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"zebra/jobtracker/api"
	"zebra/jobtracker/placement"
	"zebra/jobtracker/zerocloud/gateway"
)

// TestAttackGatewayCompileHidesHostDir: the refusal of a job posted
// through the ZeroCloud gateway (a tenant's request) does not name the
// directory on the jobtracker's host where the gateway keeps the posted
// image or script, while still naming the file that is missing.
func TestAttackGatewayCompileHidesHostDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "zebra-zcgw-1234")
	compile := zerocloudPostedCompiler(defaultTenantMaxima(), func() placement.Capacity { return placement.Capacity{Maps: 8, Reduces: 8} })
	cred := &api.SwiftCredential{StorageURL: "http://127.0.0.1:1/v1/AUTH_a", Token: "tok"}
	for name, desc := range map[string]string{
		"exec.path": `[{"name":"a","exec":{"path":"bin/missing"},"devices":[{"name":"stdout"}]}]`,
		"exec.args": `[{"name":"a","exec":{"path":"file://python2.7:python","args":"missing.py"},"devices":[{"name":"stdout"}]}]`,
	} {
		job := &gateway.Job{Kind: gateway.KindImage, File: "boot/system.map", Description: []byte(desc), Dir: dir,
			Target: gateway.Target{Version: "v1", Account: "AUTH_a"}}
		_, _, err := compile(context.Background(), job, "AUTH_a", cred)
		if err == nil {
			t.Fatalf("%s: a job naming a missing file compiled", name)
		}
		if !strings.Contains(err.Error(), "missing") {
			t.Errorf("%s: the refusal does not name the missing file: %v", name, err)
		}
		if strings.Contains(err.Error(), dir) {
			t.Errorf("%s: the refusal names the gateway's host directory %s: %v", name, dir, err)
		}
	}
}
