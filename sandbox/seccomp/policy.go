// Package seccomp holds the system-call policy of the native sandbox as data
// and assembles it into a seccomp BPF program.
//
// The policy is a deny list: every system call is allowed except the ones in
// Rules, which fail with EPERM (or ENOSYS, so that libc falls back to an
// older call it can be filtered on). A deny list keeps ordinary interpreters
// (python, perl, sh, awk, the JVM) working without per-program tuning; it
// removes the kernel interfaces that let a program leave or widen its
// sandbox (namespaces, mounts, tracing, keyrings, BPF, modules) or that are
// large, rarely needed attack surface (io_uring, userfaultfd, perf). Socket
// address families are an allow list (SocketFamilies), and so are the types
// and protocols of IP sockets (IPSocketTypes, IPSocketProtocols): TCP, UDP
// and ping only, since Landlock's network rules cover TCP only (MPTCP or
// SCTP would pass them). Landlock's calls are allowed: the native sandbox restricts its programs with Landlock itself,
// and a program can only narrow its own rights with them.
//
// Calls of a foreign ABI (i386 through int 0x80 on x86-64) kill the process:
// a deny list only holds for the ABI it was written for. The x32 ABI gets
// ENOSYS.
//
// The assembled program is checked against testdata/policy_<arch>.golden;
// refresh it with go test ./sandbox/seccomp -update after changing Rules.
package seccomp

import (
	"fmt"
	"runtime"
	"syscall"

	libseccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Rule denies a group of system calls.
type Rule struct {
	// Names are the system calls; all must exist on the architecture.
	Names []string
	// Errno is what the denied call returns.
	Errno syscall.Errno
	// Why documents the rule.
	Why string
}

// ArgRule denies a system call only when its arguments match: when any of
// Any matches, where a condition list matches if all its conditions hold.
type ArgRule struct {
	Name  string
	Any   [][]libseccomp.Condition
	Errno syscall.Errno
	Why   string
}

// Rules is the deny list applied to every sandboxed program.
var Rules = []Rule{
	{Names: []string{"ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "process_madvise", "process_mrelease"}, Errno: unix.EPERM,
		Why: "no tracing or reading of other processes' memory"},
	{Names: []string{"mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "open_tree_attr", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr", "statmount", "listmount"}, Errno: unix.EPERM,
		Why: "the file system view is fixed by the sandbox init"},
	{Names: []string{"unshare", "setns"}, Errno: unix.EPERM,
		Why: "no new or other namespaces (a new user namespace would regain capabilities)"},
	{Names: []string{"keyctl", "add_key", "request_key"}, Errno: unix.EPERM,
		Why: "kernel keyrings are not namespaced"},
	{Names: []string{"bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register"}, Errno: unix.EPERM,
		Why: "large kernel attack surface, not needed by task programs"},
	{Names: []string{"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl", "syslog", "iopl", "ioperm", "vhangup", "uselib", "lookup_dcookie", "nfsservctl"}, Errno: unix.EPERM,
		Why: "system administration"},
	{Names: []string{"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname", "setdomainname"}, Errno: unix.EPERM,
		Why: "host-wide state (clocks are not namespaced)"},
	{Names: []string{"open_by_handle_at", "name_to_handle_at"}, Errno: unix.EPERM,
		Why: "file handles bypass the mount tree (the shocker escape)"},
	{Names: []string{"fanotify_init", "fanotify_mark", "inotify_init1", "inotify_add_watch"}, Errno: unix.EPERM,
		Why: "file events are reported across mount namespaces: watching the shared read-only system directories would show what other instances open and run"},
	{Names: []string{"clone3"}, Errno: unix.ENOSYS,
		Why: "its flags are behind a pointer the filter cannot read; libc falls back to clone, whose flags it can"},
}

// nsFlags are the clone flags that create namespaces.
const nsFlags = unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWIPC | unix.CLONE_NEWUSER |
	unix.CLONE_NEWPID | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP | unix.CLONE_NEWTIME

// ArgRules are the deny rules that look at arguments.
var ArgRules = []ArgRule{
	{Name: "clone", Any: [][]libseccomp.Condition{{{Argument: 0, Operation: libseccomp.BitsSet, Value: nsFlags}}}, Errno: unix.EPERM,
		Why: "clone(CLONE_NEW*) is unshare by another name"},
	{Name: "ioctl", Any: [][]libseccomp.Condition{{{Argument: 1, Operation: libseccomp.Equal, Value: unix.TIOCSTI}}}, Errno: unix.EPERM,
		Why: "no faking input on a terminal"},
}

// Address families a program may make sockets of; socket(2) of any other
// fails with EACCES. AF_VSOCK (host-wide, not scoped by network
// namespace), AF_NETLINK, AF_PACKET, AF_ALG and the rest of the kernel's
// socket families are not needed by task programs and some reach across
// instances.
var (
	// SocketFamilies are allowed with a network namespace per instance.
	SocketFamilies = []uint64{unix.AF_UNIX, unix.AF_INET, unix.AF_INET6}
	// SharedNetworkSocketFamilies are allowed when instances share one
	// empty network namespace: abstract unix socket names are scoped by
	// network namespace, so socket(AF_UNIX) is left out.
	SharedNetworkSocketFamilies = []uint64{unix.AF_INET, unix.AF_INET6}
	// SocketpairFamilies are allowed for socketpair(2) (a connected pair
	// has no name another instance could reach; a datagram one can be
	// disconnected and bound to an abstract name, which the native sandbox
	// scopes with Landlock or a network namespace per instance).
	SocketpairFamilies = []uint64{unix.AF_UNIX}
)

// IP socket types and protocols a program may make sockets of, for
// AF_INET and AF_INET6: TCP, UDP and ping. Landlock's network rules cover
// TCP only, so other stream protocols would bind and connect past them
// (MPTCP is plain TCP on the wire towards a peer that does not speak it);
// and asking socket(2) for a protocol the kernel has no module for makes
// it load one. socket(2) of another type or protocol fails with EACCES
// as of another family (a program that prefers MPTCP, such as Go's net
// package, takes any error for "no MPTCP here" and falls back to TCP).
var (
	IPSocketTypes     = []uint64{unix.SOCK_STREAM, unix.SOCK_DGRAM}
	IPSocketProtocols = []uint64{0, unix.IPPROTO_TCP, unix.IPPROTO_UDP, unix.IPPROTO_ICMP, unix.IPPROTO_ICMPV6}
)

// ipSocketConditions match socket(2) of the IP families among allowed
// with a type or a protocol not in IPSocketTypes or IPSocketProtocols. The
// type may carry SOCK_NONBLOCK and SOCK_CLOEXEC. Values with bits above
// the 32 the kernel reads never equal an allowed one, so they match too.
func ipSocketConditions(allowed []uint64) [][]libseccomp.Condition {
	var types []uint64
	for _, t := range IPSocketTypes {
		for _, f := range []uint64{0, unix.SOCK_NONBLOCK, unix.SOCK_CLOEXEC, unix.SOCK_NONBLOCK | unix.SOCK_CLOEXEC} {
			types = append(types, t|f)
		}
	}
	notIn := func(fam uint64, arg uint32, vals []uint64) []libseccomp.Condition {
		c := []libseccomp.Condition{{Argument: 0, Operation: libseccomp.Equal, Value: fam}}
		for _, v := range vals {
			c = append(c, libseccomp.Condition{Argument: arg, Operation: libseccomp.NotEqual, Value: v})
		}
		return c
	}
	var out [][]libseccomp.Condition
	for _, fam := range allowed {
		if fam == unix.AF_INET || fam == unix.AF_INET6 {
			out = append(out, notIn(fam, 1, types), notIn(fam, 2, IPSocketProtocols))
		}
	}
	return out
}

// familyRule denies name(2) of any address family but the allowed ones.
func familyRule(name string, allowed []uint64) ArgRule {
	var c []libseccomp.Condition
	for _, f := range allowed {
		c = append(c, libseccomp.Condition{Argument: 0, Operation: libseccomp.NotEqual, Value: f})
	}
	return ArgRule{Name: name, Any: [][]libseccomp.Condition{c}, Errno: unix.EACCES,
		Why: "an allow list of address families: no channel between instances through other socket families"}
}

// socketRule denies socket(2) of any address family but the allowed ones,
// and of the IP families any type and protocol but IPSocketTypes and
// IPSocketProtocols. It is one rule: the BPF library does not reload the
// system call number after a rule's argument checks fail, so a system
// call may be in one ArgRule only (TestOneArgRulePerCall).
func socketRule(allowed []uint64) ArgRule {
	r := familyRule("socket", allowed)
	r.Any = append(r.Any, ipSocketConditions(allowed)...)
	r.Why = "an allow list of address families, and of types and protocols for IP: no channel between instances through other socket families, nothing that passes Landlock's TCP rules"
	return r
}

// Options selects optional parts of the policy.
type Options struct {
	// SharedNetwork selects SharedNetworkSocketFamilies for socket(2)
	// instead of SocketFamilies.
	SharedNetwork bool
}

// Policy returns the policy for opts in the form of the BPF library.
func Policy(opts Options) libseccomp.Policy {
	p := libseccomp.Policy{DefaultAction: libseccomp.ActionAllow}
	for _, r := range Rules {
		p.Syscalls = append(p.Syscalls, libseccomp.SyscallGroup{
			Names:  r.Names,
			Action: libseccomp.ActionErrno | libseccomp.Action(r.Errno),
		})
	}
	families := SocketFamilies
	if opts.SharedNetwork {
		families = SharedNetworkSocketFamilies
	}
	args := append(append([]ArgRule(nil), ArgRules...), socketRule(families), familyRule("socketpair", SocketpairFamilies))
	for _, r := range args {
		g := libseccomp.SyscallGroup{Action: libseccomp.ActionErrno | libseccomp.Action(r.Errno)}
		for _, c := range r.Any {
			g.NamesWithCondtions = append(g.NamesWithCondtions, libseccomp.NameWithConditions{Name: r.Name, Conditions: c})
		}
		p.Syscalls = append(p.Syscalls, g)
	}
	return p
}

// Program assembles the policy for opts for the running architecture. The
// first instructions kill a process calling through another ABI.
func Program(opts Options) ([]bpf.Instruction, error) {
	info, err := arch.GetInfo(runtime.GOARCH)
	if err != nil {
		return nil, fmt.Errorf("seccomp policy: %w", err)
	}
	p := Policy(opts)
	body, err := p.Assemble()
	if err != nil {
		return nil, fmt.Errorf("seccomp policy: %w", err)
	}
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(info.ID), SkipTrue: 1},
		bpf.RetConstant{Val: uint32(libseccomp.ActionKillProcess)},
	}
	return append(prog, body...), nil
}

// Assemble returns the raw program for opts, ready for seccomp(2).
func Assemble(opts Options) ([]unix.SockFilter, error) {
	insts, err := Program(opts)
	if err != nil {
		return nil, err
	}
	raw, err := bpf.Assemble(insts)
	if err != nil {
		return nil, fmt.Errorf("seccomp policy: %w", err)
	}
	out := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		out[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return out, nil
}
