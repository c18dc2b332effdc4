/*
 * probeKernel(): loads and attaches one empty program per attach kind (native/bpf/probe.bpf.c)
 * and reports, per kind, "ok" or the kernel's refusal in its own words. Nothing is assumed from
 * the kernel version: a kernel may know a program type and still refuse to attach it.
 */
#include "probe.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe.skel.h"
#include "util.h"

struct probe_kind {
	const char *name;
	const char *program;
};

static const struct probe_kind kinds[] = {
	{ "tracepoint", "probe_tracepoint" },
	{ "raw_tracepoint", "probe_raw_tracepoint" },
	{ "tp_btf", "probe_tp_btf" },
	{ "kprobe", "probe_kprobe" },
	{ "fentry", "probe_fentry" },
	{ "uprobe", "probe_uprobe" },
};

/* "<step> failed: <error> (errno N)[ <hint>]; libbpf: <its last words>" */
static void describe(char *out, size_t max, const char *step, int err, const char *hint)
{
	char tail[512];
	mtf_log_tail(tail, sizeof(tail));
	int n = snprintf(out, max, "%s failed: %s (errno %d)%s%s", step, strerror(err), err, hint[0] ? " " : "", hint);
	if (tail[0] && n > 0 && (size_t)n < max)
		snprintf(out + n, max - n, "; libbpf: %s", tail);
}

/* kprobes have no PMU when the kernel is built without CONFIG_KPROBES: say so plainly. */
static const char *kprobe_hint(void)
{
	return access("/sys/bus/event_source/devices/kprobe/type", F_OK) != 0
		? "[no kprobe PMU in /sys/bus/event_source/devices: kernel without CONFIG_KPROBES]"
		: "";
}

static void probe_one(const struct probe_kind *kind, char *out, size_t max)
{
	mtf_log_clear();
	struct probe *skel = probe__open();
	if (skel == NULL) {
		describe(out, max, "open", errno, "");
		return;
	}
	struct bpf_program *prog, *target = NULL;
	bpf_object__for_each_program(prog, skel->obj) {
		bool mine = strcmp(bpf_program__name(prog), kind->program) == 0;
		bpf_program__set_autoload(prog, mine);
		if (mine)
			target = prog;
	}
	int err = probe__load(skel);
	if (err) {
		describe(out, max, "load", -err, "");
		probe__destroy(skel);
		return;
	}
	struct bpf_link *link;
	if (strcmp(kind->name, "uprobe") == 0) {
		LIBBPF_OPTS(bpf_uprobe_opts, opts, .func_name = "getppid");
		link = bpf_program__attach_uprobe_opts(target, -1, "libc.so.6", 0, &opts);
	} else {
		link = bpf_program__attach(target);
	}
	if (link == NULL) {
		int attach_err = errno;
		describe(out, max, "attach", attach_err, strcmp(kind->name, "kprobe") == 0 ? kprobe_hint() : "");
	} else {
		snprintf(out, max, "ok");
		bpf_link__destroy(link);
	}
	probe__destroy(skel);
}

napi_value mtf_probe_kernel(napi_env env, napi_callback_info info)
{
	(void)info;
	napi_value result;
	napi_create_object(env, &result);
	char text[1024];
	bool tracefs_ok = mtf_ensure_tracefs(text, sizeof(text));
	napi_set_named_property(env, result, "tracefs", mtf_string(env, text));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (!tracefs_ok && strcmp(kinds[i].name, "tracepoint") == 0)
			snprintf(text, sizeof(text), "unavailable: no tracefs");
		else
			probe_one(&kinds[i], text, sizeof(text));
		napi_set_named_property(env, result, kinds[i].name, mtf_string(env, text));
	}
	int rb = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	if (rb == 1)
		snprintf(text, sizeof(text), "ok");
	else
		snprintf(text, sizeof(text), "unsupported%s%s", rb < 0 ? ": " : "", rb < 0 ? strerror(-rb) : "");
	napi_set_named_property(env, result, "ringbuf", mtf_string(env, text));
	return result;
}
