// tsdiag's native addon: batched UDP for the DNS server (udp_batch.c), work
// inside another network namespace (netns.c), cheap process starts (spawn.c)
// and routing netlink reads (rtnl.c). Each file lists its calls.
#include "napi_util.h"

static napi_value init(napi_env env, napi_value exports) {
  if (!register_udp_batch(env, exports) || !register_netns(env, exports) || !register_spawn(env, exports) ||
      !register_rtnl(env, exports)) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
