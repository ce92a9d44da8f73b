// Helpers shared by the addon's parts: argument checks and errors thrown the
// way Node's own APIs throw them.
#ifndef TSDIAG_NAPI_UTIL_H
#define TSDIAG_NAPI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include <node_api.h>

#define CHECK(call)                                   \
  do {                                                \
    if ((call) != napi_ok) return throw_napi(env);    \
  } while (0)

napi_value throw_napi(napi_env env);
napi_value throw_type(napi_env env, const char *msg);
napi_value throw_range(napi_env env, const char *msg);
/** Error("<syscall> <CODE> <detail>") with .code, .errno and .syscall, as Node's own socket errors. */
napi_value throw_errno(napi_env env, const char *syscall, int err, const char *detail);
/** The same Error, returned (NULL if it cannot be made): to reject a promise with. */
napi_value errno_error(napi_env env, const char *syscall, int err, const char *detail);
napi_value undefined(napi_env env);
bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);
/** A uint32 in [min, max] from a JS number that is an integer; false (with a pending exception) otherwise. */
bool get_uint(napi_env env, napi_value v, uint32_t min, uint32_t max, const char *what, uint32_t *out);
/** A string without embedded NUL that fits in size bytes with its terminator; false (with a pending TypeError) otherwise. */
bool get_cstring(napi_env env, napi_value v, char *buf, size_t size, const char *what);
/** The same as a malloc'd copy (free() it); NULL with a pending exception otherwise. */
char *dup_cstring(napi_env env, napi_value v, size_t max_len, const char *what);
/** A dotted IPv4 address (text gets the string, size >= INET_ADDRSTRLEN); false with a pending TypeError otherwise. */
bool get_ipv4(napi_env env, napi_value v, struct in_addr *out, char *text, size_t size);
/** An absolute path (see get_cstring); a relative one would depend on the cwd. */
bool get_abs_path(napi_env env, napi_value v, char *buf, size_t size, const char *what);

bool register_udp_batch(napi_env env, napi_value exports);
bool register_netns(napi_env env, napi_value exports);
bool register_spawn(napi_env env, napi_value exports);
bool register_rtnl(napi_env env, napi_value exports);
bool register_tcp_stream(napi_env env, napi_value exports);
bool register_rtt_probe(napi_env env, napi_value exports);

#endif
