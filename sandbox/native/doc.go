// Package native is the default sandbox backend on Linux: every task
// program runs as an isolated instance in fresh user, mount, PID, IPC, UTS
// and cgroup namespaces and an empty network namespace, under a seccomp
// filter and resource limits.
//
// # How an instance starts
//
// A Runner starts one factory process, the init binary (Config.InitPath:
// any binary that links this package, whose init runs InitMain), and keeps Config.Pool instances ready ahead of
// Start (ZeroVM's daemon mode). The factory forks each instance with a raw
// clone(2) into new user, mount, PID, IPC and UTS namespaces (and a network
// namespace, see below), maps its ids and puts it in the instance's
// cgroups, which the Runner made with the limits set. An instance is not
// an exec of anything: it runs a small part of this package that makes only
// raw system calls (instance_linux.go), on a copy of the factory's memory,
// which holds the Runner's configuration but nothing of any task. Where
// the task's paths are handed over as detached mounts (open_tree), the
// factory forks from a mount namespace of its own that holds only the
// host's root, /proc and the mounts the system directories are bound
// from, so that an instance copies, and detaches, few of the host's
// mounts (factoryns_linux.go).
//
// Ahead of its task the instance's init builds the part of the root every
// task has, in a tmpfs it pivots into: read-only binds of /usr, /lib*,
// /bin, /sbin (symlinks as on the host), a generated /etc (group with the
// user "zebra", nsswitch.conf, hosts, plus ld.so.cache, localtime and
// alternatives from the host), /dev with null, zero, full, random and
// urandom (every other mount is nodev, so no other device is usable even if
// bound), the IPC namespace's own /dev/mqueue, a fresh /proc of its PID
// namespace with the host's kernel information masked (mask.go: cmdline,
// kallsyms, config.gz, keys, modules, iomem, acpi, bus, driver, ... as runc
// and gVisor do; root-only files such as kcore and timer_list are
// unreadable to the program anyway) and /proc/sys and /proc/fs read-only,
// no /sys, size-limited tmpfs /tmp and /dev/shm. It sets the
// host name and forks the program's process, which sets the rlimits, loads
// the seccomp filter (package zebra/sandbox/seccomp), becomes the
// unprivileged user, drops every capability and sets no_new_privs.
//
// Start resolves the command on the host — including pyenv shims and
// "#!/usr/bin/env python3" scripts — and hands over to an instance: the
// task's working directory read-write, the job's shipped paths
// (mapreduce.Command.ReadOnly: the files and unpacked archives the working
// directory links to, each at its own path) and Config.ReadOnly read-only,
// and the installation prefix of each interpreter (e.g.
// /root/.pyenv/versions/3.11.7) read-only — never a whole home directory —
// as detached mounts (open_tree, for a root worker on
// Linux 5.12 or later; the instance has detached the host's root ahead) or
// else as paths the instance binds from the host's root, which it detaches
// then; the task's /etc/passwd (the working directory is the user's home),
// the program's stdio, argv and environment. The init attaches the mounts,
// makes the root read-only, drops its own privileges, passes the stdio and
// the working directory to the program's process, which executes the
// program, and loads the seccomp filter on itself. It stays as PID 1 (the
// kernel ignores default-action signals such as SIGXCPU and SIGXFSZ sent to
// a namespace's init) and reaps. When the program exits, the init kills and
// reaps whatever the program left and only then reports the program's wait
// status, so that nothing of the task runs any more when Wait returns; the
// instance's own exit and the removal of its cgroups follow in the
// background. An instance serves one task; pooled instances older than
// Config.PoolMaxIdle are replaced unused. Instances are made, and torn
// down, at a lower priority than tasks run at (for a root worker).
//
// With a root worker the program's user maps to the unprivileged host
// uid/gid Config.HostUID/HostGID (65534 by default), and the working
// directory is chowned to it; the namespace's root maps to host root for
// the instance's setup only, before it drops privileges. An unprivileged
// worker maps only itself.
//
// By default each instance gets its own empty network namespace, made with
// it ahead of the task (in the pool), so that no instance sees another's
// sockets, not even their names and ports in /proc/net. Config.SharedNetwork
// (opt-in) puts all instances of a Runner in one empty namespace, made once,
// in which the factory runs: it saves about half a millisecond per start
// but lets instances read each other's bound names and ports in /proc/net,
// and it is taken only where the kernel's Landlock scopes abstract unix
// sockets (ABI 6, Linux 6.12) and the worker is root. A namespace's only device is a loopback that is down and that
// the instances have no privilege to bring up. The seccomp policy allows
// sockets of AF_INET, AF_INET6 and, with a namespace per instance, AF_UNIX
// only (socketpair: AF_UNIX only), and of AF_INET and AF_INET6 only TCP,
// UDP and ping sockets (Landlock's network rules cover TCP only: MPTCP,
// SCTP and the like would pass them); every other family — AF_VSOCK, which no
// network namespace scopes, AF_NETLINK, AF_PACKET, AF_ALG, ... — fails with
// EACCES.
//
// # Landlock
//
// Where the kernel has Landlock (landlock_linux.go), the program's process
// enters a Landlock domain of its own just before it executes the program:
// it may read and execute anywhere, but write, create, remove or rename
// only beneath its working directory, /tmp, /dev (whose own tmpfs its user
// cannot write) and /dev/mqueue, and make no device node anywhere (ABI
// 1-3, 5); it may not bind or connect TCP sockets (ABI 4); it may not
// connect or send to an abstract unix socket, nor signal a process,
// outside its own domain (ABI 6) — so not another instance's, nor its own
// init. This is a second wall: it holds where a mount, a namespace or a
// seccomp rule is wrong. The Runner uses what the kernel has and logs what
// is missing.
//
// # What decides a mount
//
// Only trusted places decide what an instance sees: the operator's
// configuration (Config.ReadOnly, Config.Allow), the job's plan
// (Command.ReadOnly, Command.Mounts, the command line) and, on the local
// runner, the user's own environment. Nothing a task could have written
// does: the contents of the working directory (a symlink a mapper leaves
// for its combiner mounts nothing), nor the job's own files. Resolving the
// command (resolve.go) tracks where each hint comes from: a #! line, a
// pyvenv.cfg "home", a .python-version or a symlink's target read from the
// working directory or a shipped path is a job hint. A shipped symlink's
// target file is shown alone, never the directory around it.
//
// On a cluster worker (Config.Local false) every installation prefix a
// command needs, whoever named it (the command line, -cmdenv PATH or
// PYENV_VERSION, a #! line, a pyvenv.cfg), must lie inside Config.Allow
// (zebra worker --sandbox-allow); anything else is refused at Start with
// an error that names the path, who named it, and the setting. A program
// named by an absolute path that does not exist on the worker fails with
// "on a cluster a task sees only what its job ships".
//
// On the local runner (Config.Local: the submitting user runs their own
// job, as in Hadoop's local mode) the command line and the user's
// environment are the user's: programs and interpreters they find are
// mounted as found (the user's interpreters and virtualenvs), and files
// the command line names by absolute path ("perl $PWD/mapper.pl") are
// shown read-only, each file alone. A job hint may only name the user's
// interpreter installations (the prefixes of the absolute PATH
// directories, pyenv versions, $VIRTUAL_ENV, $CONDA_PREFIX) or
// Config.Allow. A local runner run as root still runs the task as
// Config.HostUID.
//
// A shipped file the task's user could not read (mode 0600, owned by the
// root user that runs the worker or the local runner) is shown through a
// copy that only the task's user can read, made once per file version and
// removed at Close. Root's own operations on a task directory follow no
// link the task could swap: the working directory is chowned with
// AT_SYMLINK_NOFOLLOW after an lstat, a shipped program is made executable
// through the plan's own target (package streaming), ZeroCloud reads its
// output channels with O_NOFOLLOW|O_NONBLOCK, and removal is by
// os.RemoveAll, which unlinks links rather than following them.
//
// The environment is the caller's to choose (package sandbox: LocalEnviron,
// ClusterEnviron); the native sandbox passes Command.Env as given.
//
// # What an instance costs a running task
//
// The program's stdin, stdout and stderr are the caller's own descriptors,
// handed over as they are when they are files or pipes and Config.Output
// is 0 (as zebra runs jobs: streaming reads and bounds the output
// itself): the sandbox copies no byte of a task's input or output. Past
// its start (a few milliseconds of CPU time, most of it spent ahead, in
// the pool), an instance costs its program only what the kernel adds to
// the program's own work: the seccomp filter on the entry of every system
// call, some 50 to 80 ns a call on a 2-core virtual machine
// (BenchmarkSyscallCost in zebra/sandbox/seccomp), Landlock's check of
// each open and the memory cgroup's accounting of each page it allocates
// (neither measurable on a word count). A filter of one instruction that
// allows everything costs as much per call as the policy: the kernel's
// seccomp action cache answers for the calls the policy allows whatever
// their arguments, so the policy's length and order do not matter, and
// what remains is the kernel's entry path for a filtered process, which
// only a process without any filter avoids. A program that makes a
// system call per line (python -u, PYTHONUNBUFFERED=1) therefore pays a
// few percent of its CPU time, and a job a little more (slowed, the
// program woke the reader of its output more often: 5 to 16% of an
// unbuffered Python word count's CPU time on a 2-core machine, as much as
// the same processes under a one-instruction filter, measured before
// streaming's stdout reader became a blocking read that waits 200 µs
// after a short read, which takes most of those wake-ups away:
// bench/reader-cost.sh); one that buffers its output, nearly nothing
// (BenchmarkTaskCost; bench/sandbox-cost.sh; bench/RESULTS.md).
//
// # Threat model
//
// Protected against a hostile task program (any code the job's owner
// ships, run as a mapper, reducer or combiner), and against a hostile job
// plan (link names, archives, -cmdenv, shipped interpreter hints):
//   - mounts chosen by a task: links or files it leaves in its working
//     directory for a later program of the same directory (a combiner,
//     a reused reducer directory) show nothing of the host, the host's
//     /proc, other tasks' working directories or the worker's data
//     directories;
//   - interpreter hints of the job's files or environment naming host
//     directories outside the allowlist (cluster) or the user's own
//     installations (local runner);
//   - the worker's environment: its credentials (ST_KEY, the cluster
//     token) never reach a task;
//   - reading the host's files outside the mounted set: /etc/shadow, home
//     directories, other tasks' and tenants' working directories, the storage
//     node's data directories, the host's /proc and /sys;
//   - writing anywhere but its own working directory, /tmp and /dev/shm
//     (private, size-limited) — the root, the system directories, input data
//     and shipped files are read-only;
//   - the network: no interface is up, so no connection to host services on
//     127.0.0.1, no DNS, no outside traffic (and, with Landlock ABI 4, no
//     TCP bind or connect at all);
//   - channels to other instances running at the same time: each has its
//     own IPC namespace (SysV shared memory, semaphores, message queues,
//     POSIX message queues), /dev/shm and /tmp; abstract unix sockets —
//     including a socketpair end disconnected with connect(AF_UNSPEC) and
//     bound to a name — reach no other instance (Landlock's scope on a
//     shared network namespace, else a namespace per instance); vsock,
//     netlink and the other socket families are refused (seccomp); file
//     events (inotify, fanotify), which would show what other instances
//     open in the shared system directories, are refused (seccomp);
//   - the host's kernel information: /proc shows only the instance's
//     processes and masks the kernel's command line, symbols,
//     configuration, keys, modules and device layout; /sys is absent; no
//     device but the fixed five (nodev elsewhere; no mknod);
//   - other processes: it sees only its own PID namespace, cannot ptrace
//     or read their memory (denied by seccomp), and kill -1 and kill 0
//     reach only its own processes (each instance has a process group of
//     its own: process groups are not scoped by PID namespace; with
//     Landlock ABI 6 a signal outside the program's domain fails with
//     EPERM as well);
//   - privilege: no capabilities, no_new_privs (setuid and setgid binaries
//     and file capabilities give nothing, and mounts are nosuid), no new
//     namespaces (unshare, setns, clone with CLONE_NEW*; clone3 is ENOSYS),
//     mounts, keyrings, BPF, perf, io_uring, userfaultfd, file handles,
//     modules, reboot, clock changes (seccomp);
//   - resource exhaustion: memory and process count (cgroups v1 or v2, else
//     rlimits), CPU time, file size and open files (rlimits), wall time and
//     stdout/stderr volume (host-side controller); killing an instance kills
//     its PID namespace, hence its whole process tree, and nothing survives
//     the program's exit;
//   - other tasks through a pooled instance: an instance made ahead is used
//     for one task and destroyed, with its namespaces, tmpfs and cgroups;
//     the factory it is forked from never sees task data.
//
// On kernels without Landlock (before Linux 5.13, or with it disabled) the
// same list holds through the mounts, namespaces and seccomp alone, with a
// network namespace per instance; what is lost is the second wall: a wrong
// mount would be writable, and a signal to the instance's init is ignored
// by the kernel rather than refused. With ABI 1-5 the file rules hold (and
// from ABI 4 the TCP rules) but the scopes do not: abstract unix sockets
// are then scoped by the namespace per instance alone.
//
// Not protected against:
//   - kernel bugs: the instances share the host kernel; a kernel exploit
//     reachable through the allowed system calls escapes. The system-call
//     policy is a deny list (with an allow list of socket families): it
//     keeps more of the kernel reachable than an allow list would.
//   - covert and timing channels between instances (shared CPU caches,
//     /proc/loadavg, /proc/meminfo and similar global counters, disk and
//     CPU contention; on the opt-in shared network namespace, other
//     instances' bound abstract names and ports, listed in /proc/net).
//   - disk use in the working directory beyond the per-file RLIMIT_FSIZE:
//     the number of files is not bounded (no project quotas).
//   - reading what is mounted: the interpreter installations, shipped files
//     and input of the task are readable by it, including any secret an
//     owner puts there.
//   - information in the shared read-only system directories (/usr, /etc
//     files bound from the host).
package native
