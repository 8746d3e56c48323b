package seccomp

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/sys/unix"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func dump(t *testing.T, opts Options) []byte {
	t.Helper()
	insts, err := Program(opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# seccomp program for %s, %+v; regenerate with go test ./sandbox/seccomp -update\n", runtime.GOARCH, opts)
	for i, in := range insts {
		fmt.Fprintf(&b, "%d: %v\n", i, in)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"policy", Options{}},
		{"policy_shared_network", Options{SharedNetwork: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := dump(t, tc.opts)
			path := filepath.Join("testdata", tc.name+"_"+runtime.GOARCH+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./sandbox/seccomp -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("assembled program differs from %s; if the change is intended, run with -update\ngot:\n%s", path, got)
			}
		})
	}
}

func TestRulesExist(t *testing.T) {
	info, err := arch.GetInfo(runtime.GOARCH)
	if err != nil {
		t.Skip(err)
	}
	for _, r := range Rules {
		if r.Why == "" || r.Errno == 0 {
			t.Errorf("rule %v: missing reason or errno", r.Names)
		}
		for _, n := range r.Names {
			if _, ok := info.SyscallNames[n]; !ok {
				t.Errorf("rule %q: no such system call on %s", n, runtime.GOARCH)
			}
		}
	}
}

// TestLoad installs the filter in a child process and checks that denied
// calls fail and allowed ones still work.
func TestLoad(t *testing.T) {
	if os.Getenv("ZEBRA_SECCOMP_CHILD") == "1" {
		prog, err := Assemble(Options{SharedNetwork: true})
		if err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		if err := Load(prog); err != nil {
			fmt.Println(err)
			os.Exit(2)
		}
		var out []string
		out = append(out, "unshare="+errStr(unix.Unshare(unix.CLONE_NEWUSER)))
		out = append(out, "mount="+errStr(unix.Mount("none", "/tmp", "tmpfs", 0, "")))
		_, err = unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		out = append(out, "socket_unix="+errStr(err))
		_, err = unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
		out = append(out, "socketpair="+errStr(err))
		out = append(out, "getpid="+errStr(nil))
		for _, f := range []struct {
			name string
			af   int
		}{{"vsock", unix.AF_VSOCK}, {"netlink", unix.AF_NETLINK}, {"packet", unix.AF_PACKET}, {"inet", unix.AF_INET}, {"inet6", unix.AF_INET6}} {
			fd, err := unix.Socket(f.af, unix.SOCK_DGRAM, 0)
			if err == nil {
				unix.Close(fd)
			}
			out = append(out, "socket_"+f.name+"="+errStr(err))
		}
		_, err = unix.Socketpair(unix.AF_INET, unix.SOCK_STREAM, 0)
		out = append(out, "socketpair_inet="+errStr(err))
		for _, s := range []struct {
			name              string
			af, typ, protocol int
		}{{"tcp", unix.AF_INET, unix.SOCK_STREAM | unix.SOCK_CLOEXEC, 0}, {"udp6", unix.AF_INET6, unix.SOCK_DGRAM, unix.IPPROTO_UDP},
			{"ping", unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_ICMP}, {"mptcp", unix.AF_INET, unix.SOCK_STREAM, unix.IPPROTO_MPTCP},
			{"mptcp6", unix.AF_INET6, unix.SOCK_STREAM | unix.SOCK_NONBLOCK, unix.IPPROTO_MPTCP}, {"sctp", unix.AF_INET, unix.SOCK_SEQPACKET, 0},
			{"udplite", unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_UDPLITE}} {
			fd, err := unix.Socket(s.af, s.typ, s.protocol)
			if err == nil {
				unix.Close(fd)
			}
			out = append(out, "socket_"+s.name+"="+errStr(err))
		}
		_, err = unix.InotifyInit1(0)
		out = append(out, "inotify="+errStr(err))
		_, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
		out = append(out, "landlock="+errStr(errnoOrNil(e)))
		_, err = unix.KeyctlInt(unix.KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0)
		out = append(out, "keyctl="+errStr(err))
		fmt.Println(strings.Join(out, " "))
		os.Exit(0)
	}
	if !Supported() {
		t.Skip("seccomp not supported by this kernel")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoad$")
	cmd.Env = append(os.Environ(), "ZEBRA_SECCOMP_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v: %s", err, out)
	}
	// Landlock's calls are allowed: the child gets what the kernel answers
	// here, unfiltered.
	ll := "ok"
	if _, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION); e != 0 {
		ll = errStr(e)
	}
	// Ping sockets are allowed by the filter; the kernel decides
	// (net.ipv4.ping_group_range), as here unfiltered.
	ping := "ok"
	if fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM, unix.IPPROTO_ICMP); err != nil {
		ping = errStr(err)
	} else {
		unix.Close(fd)
	}
	want := "unshare=EPERM mount=EPERM socket_unix=EACCES socketpair=ok getpid=ok socket_vsock=EACCES socket_netlink=EACCES " +
		"socket_packet=EACCES socket_inet=ok socket_inet6=ok socketpair_inet=EACCES socket_tcp=ok socket_udp6=ok socket_ping=" + ping + " " +
		"socket_mptcp=EACCES socket_mptcp6=EACCES socket_sctp=EACCES socket_udplite=EACCES inotify=EPERM landlock=" + ll + " keyctl=EPERM"
	if got := strings.TrimSpace(string(out)); !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func errnoOrNil(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func errStr(err error) string {
	if err == nil {
		return "ok"
	}
	if e, ok := err.(unix.Errno); ok {
		return unix.ErrnoName(e)
	}
	return err.Error()
}

// TestOneArgRulePerCall: the BPF library leaves an argument in the
// accumulator when a rule's argument checks fail, so a later rule for the
// same system call would compare that argument with the call's number and
// never match (a rule added for socket(2) after the family rule was
// silently void).
func TestOneArgRulePerCall(t *testing.T) {
	for _, opts := range []Options{{}, {SharedNetwork: true}} {
		seen := map[string]bool{}
		for _, g := range Policy(opts).Syscalls {
			names := map[string]bool{}
			for _, n := range g.NamesWithCondtions {
				names[n.Name] = true
			}
			for n := range names {
				if seen[n] {
					t.Errorf("%+v: %s is in two argument rules; merge them into one", opts, n)
				}
				seen[n] = true
			}
		}
	}
}
