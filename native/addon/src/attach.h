/* Attaching BPF programs one by one, reporting each success and failure to JS. */
#ifndef METAFLOW_ATTACH_H
#define METAFLOW_ATTACH_H

#include <bpf/libbpf.h>
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>

struct mtf_links {
	struct bpf_link **items;
	size_t count;
};

/* Detaches and frees every link. */
void mtf_links_destroy(struct mtf_links *links);

bool mtf_is_uprobe(const struct bpf_program *prog);

/* Attaches every program of `obj` but the uprobes (which need a target). Successes go to
 * `attached` (section names), failures to `failed` ({program, target, error}); a failure is
 * not fatal, so the caller decides which programs it cannot do without. */
void mtf_attach_tracepoints(napi_env env, struct bpf_object *obj, struct mtf_links *links,
			    napi_value attached, napi_value failed);

struct mtf_uprobe {
	struct bpf_program *prog;
	const char *func;
	bool retprobe;
};

/* Attaches each probe to `func` in `binary` (found by symbol name), for every process;
 * reported as "binary:func" or "binary:func (return)". */
void mtf_attach_uprobes(napi_env env, const struct mtf_uprobe *probes, size_t count, const char *binary,
			struct mtf_links *links, napi_value attached, napi_value failed);

#endif
