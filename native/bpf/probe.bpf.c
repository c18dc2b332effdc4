// SPDX-License-Identifier: GPL-2.0
/*
 * Empty programs, one per attach kind. The loader loads and attaches them one at a time to learn
 * what this kernel really allows (a kernel may accept a program type yet refuse to attach it:
 * kprobes need CONFIG_KPROBES, fentry is refused under lockdown), instead of assuming.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tracepoint/syscalls/sys_enter_getppid")
int probe_tracepoint(void *ctx) { return 0; }

SEC("raw_tracepoint/sys_enter")
int probe_raw_tracepoint(void *ctx) { return 0; }

SEC("tp_btf/sys_enter")
int probe_tp_btf(void *ctx) { return 0; }

SEC("kprobe/vfs_read")
int probe_kprobe(void *ctx) { return 0; }

SEC("fentry/vfs_read")
int BPF_PROG(probe_fentry) { return 0; }

/* Attached by the loader to libc's getppid, found by name. */
SEC("uprobe")
int probe_uprobe(void *ctx) { return 0; }
