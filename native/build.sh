#!/bin/sh
# Builds the BPF objects (CO-RE, against this kernel's BTF), their skeleton headers and the
# Node-API addon. Output: native/build/metaflow_native.node (loaded by agent/capture/native-addon.ts).
# Needs clang, bpftool, libbpf-dev, libelf-dev, zlib1g-dev, /sys/kernel/btf/vmlinux and node's
# headers in /usr/include/node; scripts/build-native.mjs checks for them first.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/build"
mkdir -p "$out"

# vmlinux.h is regenerated from the running kernel's BTF; CO-RE relocations make the objects
# portable to other kernels with BTF anyway.
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$out/vmlinux.h.tmp"
mv "$out/vmlinux.h.tmp" "$out/vmlinux.h"

arch=$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
for prog in socket_trace probe; do
  clang -target bpf -D__TARGET_ARCH_"$arch" -O2 -g -Wall -Werror \
    -I"$out" -I"$here/bpf" -c "$here/bpf/$prog.bpf.c" -o "$out/$prog.bpf.o"
  bpftool gen skeleton "$out/$prog.bpf.o" name "$prog" > "$out/$prog.skel.h"
done

# node-gyp ships with npm; --nodedir=/usr uses the installed headers instead of downloading them.
gyp=${NODE_GYP:-$(dirname "$(command -v npm)")/../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js}
[ -f "$gyp" ] || gyp=/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js
cd "$here/addon"
node "$gyp" rebuild --nodedir="${NODE_DIR:-/usr}" >"$out/node-gyp.log" 2>&1 || {
  cat "$out/node-gyp.log" >&2
  exit 1
}
# rename, not copy over: a running process may have the old addon mapped
cp "$here/addon/build/Release/metaflow_native.node" "$out/metaflow_native.node.tmp"
mv -f "$out/metaflow_native.node.tmp" "$out/metaflow_native.node"
rm -rf "$here/addon/build"
echo "built $out/metaflow_native.node"
