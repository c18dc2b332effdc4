{
  # Built by native/build.sh, which first compiles the BPF objects and generates their
  # skeleton headers into native/build/ (given here as build_dir).
  "variables": { "build_dir%": "../build" },
  "targets": [
    {
      "target_name": "metaflow_native",
      "sources": ["src/addon.c", "src/attach.c", "src/batch.c", "src/util.c", "src/tracer.c", "src/probe.c", "src/packet.c"],
      "include_dirs": ["<(build_dir)", "../bpf"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-missing-field-initializers"],
      "libraries": ["-lbpf", "-lelf", "-lz"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
