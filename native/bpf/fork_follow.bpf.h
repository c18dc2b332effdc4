/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fork following for the pid allowlist: a process forked by an allowed process is allowed too,
 * so servers that hand connections to children (the PostgreSQL postmaster's backends, dnsmasq's
 * TCP answers, pre-fork web servers) stay traced. Raw tracepoints, not the classic sched ones:
 * those carry thread ids only and cannot tell a new process from a new thread, while the
 * task_struct arguments can. Included once, by socket_trace.bpf.c.
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
#endif
