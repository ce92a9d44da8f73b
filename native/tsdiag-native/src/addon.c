// tsdiag's native addon: batched UDP for the DNS server (udp_batch.c), work
// inside another network namespace (netns.c), cheap process starts (spawn.c)
// routing netlink reads (rtnl.c), and tsdiag perf's TCP streams (tcp_stream.c)
// and round-trip probes (rtt_probe.c). Each file lists its calls.
#include "napi_util.h"

static napi_value init(napi_env env, napi_value exports) {
  if (!register_udp_batch(env, exports) || !register_netns(env, exports) || !register_spawn(env, exports) ||
      !register_rtnl(env, exports) || !register_tcp_stream(env, exports) || !register_rtt_probe(env, exports)) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
