/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fork following for the pid allowlist: a process forked by an allowed process is allowed too,
 * so servers that hand connections to children (the PostgreSQL postmaster's backends, dnsmasq's
 * TCP answers, pre-fork web servers) stay traced. Raw tracepoints, not the classic sched ones:
 * those carry thread ids only and cannot tell a new process from a new thread, while the
 * task_struct arguments can. Also here: a close() that leaves the socket open elsewhere (the
 * parent's copy after handing it to a child) is not the connection's end. Included once, by
 * socket_trace.bpf.c, before its close program.
 */
#ifndef METAFLOW_FORK_FOLLOW_BPF_H
#define METAFLOW_FORK_FOLLOW_BPF_H

/* sched_process_fork(struct task_struct *parent, struct task_struct *child) */
SEC("raw_tracepoint/sched_process_fork")
int follow_fork(struct bpf_raw_tracepoint_args *ctx)
{
	if (!pid_filter_on)
		return 0;
	struct task_struct *parent = (struct task_struct *)ctx->args[0];
	struct task_struct *child = (struct task_struct *)ctx->args[1];
	__u32 child_tgid = BPF_CORE_READ(child, tgid);
	if (BPF_CORE_READ(child, pid) != child_tgid)
		return 0; /* a thread: its process is already allowed or not */
	__u32 parent_tgid = BPF_CORE_READ(parent, tgid);
	/* the agent is never traced, and neither are the tools it starts */
	if (parent_tgid == self_tgid || !bpf_map_lookup_elem(&pid_allow, &parent_tgid))
		return 0;
	__u8 inherited = 2;
	bpf_map_update_elem(&pid_allow, &child_tgid, &inherited, BPF_NOEXIST);
	return 0;
}

/*
 * sched_process_exit(struct task_struct *p, ...): runs for every exiting thread; the process is
 * gone when its last thread leaves (signal->live reached 0 just before). Its entry goes too, or
 * a server forking a child per connection would fill the map, and a later process given the
 * same pid would be traced.
 */
SEC("raw_tracepoint/sched_process_exit")
int forget_exited(struct bpf_raw_tracepoint_args *ctx)
{
	if (!pid_filter_on)
		return 0;
	struct task_struct *task = (struct task_struct *)ctx->args[0];
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	__u32 tgid = BPF_CORE_READ(task, tgid);
	bpf_map_delete_elem(&pid_allow, &tgid);
	return 0;
}

/* struct file's reference count before and after Linux 6.13 (atomic_long_t f_count, then
 * file_ref_t f_ref counting from 0 for one reference); CO-RE picks the one this kernel has. */
struct file___f_count {
	struct { long counter; } f_count;
} __attribute__((preserve_access_index));
struct file___f_ref {
	struct { struct { __s64 counter; } refcnt; } f_ref;
} __attribute__((preserve_access_index));

/* True when the file behind `fd` has other references (a forked child's or a dup'ed fd), so
 * closing this one does not close the socket. */
static __always_inline bool fd_shared(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return false;
	if (bpf_core_field_exists(struct file___f_ref, f_ref))
		return BPF_CORE_READ((struct file___f_ref *)file, f_ref.refcnt.counter) > 0;
	return BPF_CORE_READ((struct file___f_count *)file, f_count.counter) > 1;
}
#endif
