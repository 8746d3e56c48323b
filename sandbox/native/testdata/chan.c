/* chan: the attacker (and victim) of the cross-instance channel attacks in
 * attack_channels_test.go. Every attempt prints "<what>: <strerror>" on
 * stderr when refused, "<what>: ok" on stdout when it worked; a server
 * prints "ready" once it listens and "GOT <data>" for anything received. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <linux/vm_sockets.h>
#include <mqueue.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

static int refused;

static void report(const char *what, long r) {
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", what, strerror(errno));
		refused++;
	} else {
		printf("%s: ok\n", what);
	}
	fflush(stdout);
	fflush(stderr);
}

static socklen_t abstract(struct sockaddr_un *a, const char *name) {
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	strncpy(a->sun_path + 1, name, sizeof a->sun_path - 2);
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name);
}

/* A datagram socket bound to an abstract name without socket(AF_UNIX):
 * a socketpair end, disconnected. */
static int pairSocket(const char *name) {
	int sv[2];
	report("socketpair(AF_UNIX, SOCK_DGRAM)", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	struct sockaddr unspec = {.sa_family = AF_UNSPEC};
	report("connect(AF_UNSPEC)", connect(sv[0], &unspec, sizeof unspec));
	if (name) {
		struct sockaddr_un a;
		socklen_t n = abstract(&a, name);
		report("bind(abstract)", bind(sv[0], (struct sockaddr *)&a, n));
	}
	return sv[0];
}

static void serve(int fd) {
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		char buf[256], cbuf[CMSG_SPACE(sizeof(int))];
		struct iovec iov = {buf, sizeof buf - 1};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
		ssize_t n = recvmsg(fd, &m, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			report("recvmsg", n);
			return;
		}
		buf[n] = 0;
		printf("GOT %s%s\n", buf, m.msg_controllen > 0 ? " with a descriptor" : "");
		fflush(stdout);
	}
}

static void sendTo(int fd, const char *name) {
	struct sockaddr_un a;
	socklen_t n = abstract(&a, name);
	int secret = open(".", O_RDONLY | O_DIRECTORY);
	char cbuf[CMSG_SPACE(sizeof(int))];
	char data[] = "LEAKED";
	struct iovec iov = {data, sizeof data - 1};
	struct msghdr m = {.msg_name = &a, .msg_namelen = n, .msg_iov = &iov, .msg_iovlen = 1,
			   .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &secret, sizeof secret);
	report("sendmsg(abstract, SCM_RIGHTS)", sendmsg(fd, &m, 0));
	report("connect(abstract)", connect(fd, (struct sockaddr *)&a, n));
}

int main(int argc, char **argv) {
	if (argc < 2)
		return 2;
	const char *mode = argv[1], *arg = argc > 2 ? argv[2] : "zebra-chan";
	if (!strcmp(mode, "abstract-serve")) {
		serve(pairSocket(arg));
	} else if (!strcmp(mode, "abstract-send")) {
		sendTo(pairSocket(NULL), arg);
		int s = socket(AF_UNIX, SOCK_DGRAM, 0);
		report("socket(AF_UNIX)", s);
		if (s >= 0)
			sendTo(s, arg);
	} else if (!strcmp(mode, "vsock")) {
		/* VMADDR_CID_LOCAL reaches listeners of every network namespace. */
		int s = socket(AF_VSOCK, SOCK_STREAM, 0);
		report("socket(AF_VSOCK)", s);
		if (s >= 0) {
			struct sockaddr_vm a = {.svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_LOCAL, .svm_port = atoi(arg)};
			report("connect(AF_VSOCK)", connect(s, (struct sockaddr *)&a, sizeof a));
		}
	} else if (!strcmp(mode, "netlink")) {
		int protos[] = {NETLINK_ROUTE, NETLINK_KOBJECT_UEVENT, NETLINK_AUDIT, NETLINK_SOCK_DIAG};
		const char *names[] = {"socket(AF_NETLINK, NETLINK_ROUTE)", "socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)",
				       "socket(AF_NETLINK, NETLINK_AUDIT)", "socket(AF_NETLINK, NETLINK_SOCK_DIAG)"};
		for (int i = 0; i < 4; i++)
			report(names[i], socket(AF_NETLINK, SOCK_RAW, protos[i]));
		report("socket(AF_PACKET)", socket(AF_PACKET, SOCK_RAW, 0));
		report("socket(AF_ALG)", socket(AF_ALG, SOCK_SEQPACKET, 0));
	} else if (!strcmp(mode, "signal")) {
		/* Every pid this instance can name; the other instance's and the
		 * worker's are not among them. */
		int seen = 0;
		for (int pid = 1; pid < 4194304 && pid < 70000; pid++) {
			if (pid == getpid())
				continue;
			if (kill(pid, 0) == 0 || errno == EPERM)
				seen++;
		}
		printf("pids seen: %d\n", seen);
		report("kill(1, SIGKILL)", kill(1, SIGKILL));
		report("kill(1, SIGUSR1)", kill(1, SIGUSR1));
		report("kill(-1, SIGKILL)", kill(-1, SIGUSR1) < 0 ? -1 : 0);
	} else if (!strcmp(mode, "ipc-serve")) {
		int id = shmget(0x5a45, 4096, IPC_CREAT | 0666);
		report("shmget(create)", id);
		if (id >= 0) {
			char *p = shmat(id, NULL, 0);
			strcpy(p, "SYSV-SECRET");
		}
		mqd_t q = mq_open("/zebra-chan", O_CREAT | O_RDWR, 0666, NULL);
		report("mq_open(create)", q);
		if (q != (mqd_t)-1)
			report("mq_send", mq_send(q, "MQ-SECRET", 9, 0));
		int fd = shm_open("/zebra-chan", O_CREAT | O_RDWR, 0666);
		report("shm_open(create)", fd);
		if (fd >= 0)
			report("write /dev/shm", write(fd, "SHM-SECRET", 10));
		printf("ready\n");
		fflush(stdout);
		pause();
	} else if (!strcmp(mode, "ipc-steal")) {
		int id = shmget(0x5a45, 0, 0);
		report("shmget(0x5a45)", id);
		if (id >= 0)
			printf("GOT %s\n", (char *)shmat(id, NULL, SHM_RDONLY));
		mqd_t q = mq_open("/zebra-chan", O_RDONLY | O_NONBLOCK);
		report("mq_open(/zebra-chan)", q);
		if (q != (mqd_t)-1) {
			char buf[8192];
			ssize_t n = mq_receive(q, buf, sizeof buf, NULL);
			if (n > 0)
				printf("GOT %.*s\n", (int)n, buf);
		}
		int fd = shm_open("/zebra-chan", O_RDONLY, 0);
		report("shm_open(/zebra-chan)", fd);
		if (fd >= 0) {
			char buf[64] = {0};
			if (read(fd, buf, sizeof buf - 1) > 0)
				printf("GOT %s\n", buf);
		}
	} else if (!strcmp(mode, "devices")) {
		report("mknod /tmp/null", mknod("/tmp/null", S_IFCHR | 0666, makedev(1, 3)));
		report("mknod /dev/shm/mem", mknod("/dev/shm/mem", S_IFCHR | 0666, makedev(1, 1)));
		report("mknod ./sda", mknod("./sda", S_IFBLK | 0666, makedev(8, 0)));
		report("mknod /dev/fifo (fifo)", mknod("/dev/fifo", S_IFIFO | 0666, 0));
		for (int i = 2; i < argc; i++) {
			char what[512];
			snprintf(what, sizeof what, "open %s", argv[i]);
			report(what, open(argv[i], O_RDWR));
		}
	} else if (!strcmp(mode, "protocols")) {
		/* Stream sockets of other IP protocols than TCP: Landlock's TCP
		 * rules do not cover them (MPTCP falls back to plain TCP with a
		 * peer that does not speak it, so it reaches every TCP server). */
		struct {
			const char *name;
			int family, type, proto;
		} socks[] = {
		    {"AF_INET, SOCK_STREAM, IPPROTO_MPTCP", AF_INET, SOCK_STREAM, 262},
		    {"AF_INET6, SOCK_STREAM, IPPROTO_MPTCP", AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 262},
		    {"AF_INET, SOCK_STREAM, IPPROTO_SCTP", AF_INET, SOCK_STREAM, IPPROTO_SCTP},
		    {"AF_INET, SOCK_SEQPACKET, 0", AF_INET, SOCK_SEQPACKET, 0},
		    {"AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP", AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP},
		    {"AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE", AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE},
		    {"AF_INET, SOCK_DCCP, 0", AF_INET, 6, 0},
		};
		for (unsigned i = 0; i < sizeof socks / sizeof socks[0]; i++) {
			char what[128];
			snprintf(what, sizeof what, "socket(%s)", socks[i].name);
			int s = socket(socks[i].family, socks[i].type, socks[i].proto);
			report(what, s);
			if (s < 0)
				continue;
			struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(atoi(arg))};
			struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(atoi(arg))};
			snprintf(what, sizeof what, "bind(%s)", socks[i].name);
			if (socks[i].family == AF_INET6)
				report(what, bind(s, (struct sockaddr *)&a6, sizeof a6));
			else
				report(what, bind(s, (struct sockaddr *)&a4, sizeof a4));
			close(s);
		}
		/* What is allowed: TCP, UDP and ping sockets (Landlock refuses
		 * TCP binds, from ABI 4). */
		report("socket(AF_INET, SOCK_STREAM, 0)", socket(AF_INET, SOCK_STREAM, 0));
		report("socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP)", socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP));
		report("socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP)", socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP));
	} else if (!strcmp(mode, "syscalls")) {
		report("ptrace(PTRACE_ATTACH, 1)", syscall(SYS_ptrace, 16, 1, 0, 0));
		report("userfaultfd", syscall(SYS_userfaultfd, 0));
		char params[120] = {0};
		report("io_uring_setup", syscall(SYS_io_uring_setup, 1, params));
		char attr[128] = {0};
		report("perf_event_open", syscall(SYS_perf_event_open, attr, 0, -1, -1, 0));
		report("keyctl(JOIN_SESSION_KEYRING)", syscall(SYS_keyctl, 1, 0, 0, 0, 0));
		report("add_key", syscall(SYS_add_key, "user", "zebra", "x", 1, -3));
		char bpfattr[128] = {0};
		report("bpf(BPF_MAP_CREATE)", syscall(SYS_bpf, 0, bpfattr, sizeof bpfattr));
		report("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
		report("unshare(CLONE_NEWNET)", unshare(CLONE_NEWNET));
		report("unshare(CLONE_NEWIPC)", unshare(CLONE_NEWIPC));
		long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0)
			_exit(0);
		report("clone(CLONE_NEWUSER)", pid);
		report("clone3", syscall(SYS_clone3, NULL, 0));
		report("setns", setns(0, 0));
		int in = syscall(SYS_inotify_init1, 0);
		report("inotify_init1", in);
		report("inotify_add_watch(/usr/bin)", syscall(SYS_inotify_add_watch, in < 0 ? 0 : in, "/usr/bin", 1));
		report("fanotify_init", syscall(SYS_fanotify_init, 0, 0));
		report("mount(cgroup2)", syscall(SYS_mount, "none", "/tmp", "cgroup2", 0, 0));
		report("open /sys/fs/cgroup", open("/sys/fs/cgroup", O_RDONLY));
		report("process_vm_readv", syscall(SYS_process_vm_readv, 1, 0, 0, 0, 0, 0));
		report("open_by_handle_at", syscall(SYS_open_by_handle_at, 0, 0, 0));
	} else {
		return 2;
	}
	return refused ? 1 : 0;
}
