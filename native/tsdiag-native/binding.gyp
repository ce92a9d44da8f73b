{
  "targets": [
    {
      "target_name": "tsdiag_native",
      "sources": ["src/addon.c", "src/napi_util.c", "src/udp_batch.c", "src/netns.c", "src/spawn.c", "src/rtnl.c", "src/perf_job.c", "src/tcp_stream.c", "src/rtt_probe.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"],
      "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"]
    }
  ]
}
