// Batched UDP I/O for Node (N-API, Linux, IPv4 and IPv6): one recvmmsg / sendmmsg
// per batch instead of a libuv read, a JS callback and a send request per datagram.
//
//   open(address, port) -> sock           bound, non-blocking, close-on-exec; the address's
//                                          family is the socket's (IPv6: IPV6_V6ONLY)
//   localPort(sock) -> port
//   watch(sock, onReadable) / unwatch(sock) uv_poll on Node's loop
//   recv(sock, slab, slotSize, meta) -> n  meta per message, IPv4 socket (RECV_META_STRIDE words):
//                                            offset, length, IPv4, port
//                                          IPv6 socket (META_STRIDE6 words):
//                                            offset, length, port, scope id, address as 4 words
//   send(sock, slab, meta, count) -> n     meta per message: as recv's for the socket's family
//   close(sock)                            idempotent; also done when sock is collected
//
// The IPv4 layout is the one from before IPv6: its callers did not change.

// Every argument is checked; no call writes outside the buffers it is given.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "napi_util.h"

#define MAX_BATCH 64
#define META_STRIDE 4
#define META_STRIDE6 8
#define MAX_UDP_PAYLOAD 65507

typedef struct {
  int fd;
  int family;           // AF_INET or AF_INET6
  napi_env env;
  uv_poll_t *poll;      // non-NULL while watched
  napi_ref self;        // keeps the JS object (and so this struct) alive while watched
  napi_ref callback;
  napi_async_context async;
} udp_sock;

static const napi_type_tag SOCK_TAG = {0x7473646961675544ULL, 0x5042617463683031ULL};

static udp_sock *get_sock(napi_env env, napi_value v) {
  napi_valuetype t;
  bool tagged = false;
  void *data = NULL;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_object ||
      napi_check_object_type_tag(env, v, &SOCK_TAG, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, v, &data) != napi_ok || !data) {
    throw_type(env, "expected a socket from open()");
    return NULL;
  }
  return data;
}

static udp_sock *get_open_sock(napi_env env, napi_value v) {
  udp_sock *s = get_sock(env, v);
  if (s && s->fd < 0) {
    napi_throw_error(env, "ERR_SOCKET_CLOSED", "socket is closed");
    return NULL;
  }
  return s;
}

static bool get_buffer(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is = false;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is || napi_get_buffer_info(env, v, (void **)data, len) != napi_ok) {
    throw_type(env, "expected a Buffer");
    return false;
  }
  return true;
}

static bool get_u32_array(napi_env env, napi_value v, uint32_t **data, size_t *len) {
  bool is = false;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is ||
      napi_get_typedarray_info(env, v, &type, len, (void **)data, &ab, &offset) != napi_ok || type != napi_uint32_array) {
    throw_type(env, "expected a Uint32Array");
    return false;
  }
  return true;
}

static void free_poll(uv_handle_t *h) {
  free(h);
}

/** Stops polling and drops the references that watch() took; safe to call when not watched. */
static void stop_watching(udp_sock *s, bool release_refs) {
  if (!s->poll) return;
  uv_poll_stop(s->poll);
  uv_close((uv_handle_t *)s->poll, free_poll);
  s->poll = NULL;
  if (release_refs) {
    napi_async_destroy(s->env, s->async);
    napi_delete_reference(s->env, s->callback);
    napi_delete_reference(s->env, s->self);
  }
  s->async = NULL;
  s->callback = NULL;
  s->self = NULL;
}

static void finalize_sock(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  udp_sock *s = data;
  // only reached unwatched (watch holds a strong reference) or at environment teardown,
  // when the references go with the environment
  stop_watching(s, false);
  if (s->fd >= 0) close(s->fd);
  free(s);
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char address[64];
  size_t len = 0;
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[0], &t));
  if (t != napi_string) return throw_type(env, "address must be a string");
  CHECK(napi_get_value_string_utf8(env, argv[0], address, sizeof address, &len));
  uint32_t port;
  if (!get_uint(env, argv[1], 0, 65535, "port must be an integer in 0..65535", &port)) return NULL;
  union {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } sa;
  memset(&sa, 0, sizeof sa);
  socklen_t sa_len;
  // an embedded NUL would let inet_pton accept a prefix of the string; a zone (fe80::1%eth0) is refused by inet_pton
  if (len >= sizeof address - 1 || strlen(address) != len) return throw_type(env, "address must be an IPv4 or IPv6 address");
  if (inet_pton(AF_INET, address, &sa.v4.sin_addr) == 1) {
    sa.v4.sin_family = AF_INET;
    sa.v4.sin_port = htons((uint16_t)port);
    sa_len = sizeof sa.v4;
  } else if (inet_pton(AF_INET6, address, &sa.v6.sin6_addr) == 1) {
    sa.v6.sin6_family = AF_INET6;
    sa.v6.sin6_port = htons((uint16_t)port);
    sa_len = sizeof sa.v6;
  } else {
    return throw_type(env, "address must be an IPv4 or IPv6 address");
  }
  int family = sa.v4.sin_family;
  char detail[80];
  snprintf(detail, sizeof detail, family == AF_INET6 ? "[%s]:%u" : "%s:%u", address, port);
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno, NULL);
  int on = 1;
  // bound to one address anyway; V6ONLY keeps "::" from taking IPv4's port too
  if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt", err, detail);
  }
  if (bind(fd, (struct sockaddr *)&sa, sa_len) != 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err, detail);
  }
  udp_sock *s = calloc(1, sizeof *s);
  if (!s) {
    close(fd);
    return throw_errno(env, "open", ENOMEM, NULL);
  }
  s->fd = fd;
  s->family = family;
  s->env = env;
  napi_value obj;
  if (napi_create_object(env, &obj) != napi_ok || napi_type_tag_object(env, obj, &SOCK_TAG) != napi_ok ||
      napi_wrap(env, obj, s, finalize_sock, NULL, NULL) != napi_ok) {
    close(fd);
    free(s);
    return throw_napi(env);
  }
  return obj;
}

static napi_value js_local_port(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  udp_sock *s = get_open_sock(env, argv[0]);
  if (!s) return NULL;
  struct sockaddr_storage sa;
  socklen_t sl = sizeof sa;
  if (getsockname(s->fd, (struct sockaddr *)&sa, &sl) != 0) return throw_errno(env, "getsockname", errno, NULL);
  in_port_t port = sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port : ((struct sockaddr_in *)&sa)->sin_port;
  napi_value v;
  CHECK(napi_create_uint32(env, ntohs(port), &v));
  return v;
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  udp_sock *s = handle->data;
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, result;
  if (napi_get_reference_value(env, s->callback, &cb) == napi_ok && cb) {
    napi_get_global(env, &recv);  // make_callback wants an object as `this`
    // make_callback, not call_function: it drains process.nextTick and the microtask queue afterwards.
    // `s` may be gone once it returns (the callback can close and drop the socket).
    if (napi_make_callback(env, s->async, recv, cb, 0, NULL, &result) == napi_pending_exception) {
      napi_value exc;
      if (napi_get_and_clear_last_exception(env, &exc) == napi_ok) napi_fatal_exception(env, exc);
    }
  }
  napi_close_handle_scope(env, scope);
}

static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  udp_sock *s = get_open_sock(env, argv[0]);
  if (!s) return NULL;
  napi_valuetype t;
  CHECK(napi_typeof(env, argv[1], &t));
  if (t != napi_function) return throw_type(env, "onReadable must be a function");
  if (s->poll) {
    napi_throw_error(env, "ERR_SOCKET_WATCHED", "socket is already watched");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  uv_poll_t *poll = malloc(sizeof *poll);
  if (!poll) return throw_errno(env, "watch", ENOMEM, NULL);
  int rc = uv_poll_init(loop, poll, s->fd);
  if (rc != 0) {
    free(poll);
    return throw_errno(env, "uv_poll_init", -rc, NULL);
  }
  poll->data = s;
  napi_value name;
  if (napi_create_string_utf8(env, "UdpBatchSocket", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_async_init(env, NULL, name, &s->async) != napi_ok) {
    uv_close((uv_handle_t *)poll, free_poll);
    return throw_napi(env);
  }
  if (napi_create_reference(env, argv[1], 1, &s->callback) != napi_ok ||
      napi_create_reference(env, argv[0], 1, &s->self) != napi_ok) {
    if (s->callback) napi_delete_reference(env, s->callback);
    napi_async_destroy(env, s->async);
    s->callback = NULL;
    s->async = NULL;
    uv_close((uv_handle_t *)poll, free_poll);
    return throw_napi(env);
  }
  s->poll = poll;
  rc = uv_poll_start(poll, UV_READABLE, on_poll);
  if (rc != 0) {
    stop_watching(s, true);
    return throw_errno(env, "uv_poll_start", -rc, NULL);
  }
  return undefined(env);
}

/** The socket of a call that takes only a socket; NULL with a pending exception. */
static udp_sock *only_sock_arg(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  return get_sock(env, argv[0]);
}

static napi_value js_unwatch(napi_env env, napi_callback_info info) {
  udp_sock *s = only_sock_arg(env, info);
  if (!s) return NULL;
  stop_watching(s, true);
  return undefined(env);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  udp_sock *s = only_sock_arg(env, info);
  if (!s) return NULL;
  stop_watching(s, true);
  if (s->fd >= 0) {
    close(s->fd);
    s->fd = -1;
  }
  return undefined(env);
}

typedef union {
  struct sockaddr_in v4;
  struct sockaddr_in6 v6;
} peer_addr;

static size_t stride_of(const udp_sock *s) {
  return s->family == AF_INET6 ? META_STRIDE6 : META_STRIDE;
}

/** The peer into its meta words (the layouts at the top of this file). */
static void peer_to_meta(int family, const peer_addr *p, uint32_t *m) {
  if (family == AF_INET) {
    m[2] = ntohl(p->v4.sin_addr.s_addr);
    m[3] = ntohs(p->v4.sin_port);
    return;
  }
  m[2] = ntohs(p->v6.sin6_port);
  m[3] = p->v6.sin6_scope_id;
  for (int w = 0; w < 4; w++) {
    uint32_t be;
    memcpy(&be, p->v6.sin6_addr.s6_addr + 4 * w, 4);
    m[4 + w] = ntohl(be);
  }
}

static socklen_t meta_to_peer(int family, const uint32_t *m, peer_addr *p) {
  memset(p, 0, sizeof *p);
  if (family == AF_INET) {
    p->v4.sin_family = AF_INET;
    p->v4.sin_addr.s_addr = htonl(m[2]);
    p->v4.sin_port = htons((uint16_t)m[3]);
    return sizeof p->v4;
  }
  p->v6.sin6_family = AF_INET6;
  p->v6.sin6_port = htons((uint16_t)m[2]);
  p->v6.sin6_scope_id = m[3];
  for (int w = 0; w < 4; w++) {
    uint32_t be = htonl(m[4 + w]);
    memcpy(p->v6.sin6_addr.s6_addr + 4 * w, &be, 4);
  }
  return sizeof p->v6;
}

static napi_value js_recv(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  udp_sock *s = get_open_sock(env, argv[0]);
  if (!s) return NULL;
  uint8_t *slab;
  size_t slab_len, meta_len;
  uint32_t slot, *meta;
  if (!get_buffer(env, argv[1], &slab, &slab_len)) return NULL;
  if (!get_uint(env, argv[2], 1, 65536, "slotSize must be an integer in 1..65536", &slot)) return NULL;
  if (!get_u32_array(env, argv[3], &meta, &meta_len)) return NULL;
  const size_t stride = stride_of(s);
  size_t n = slab_len / slot;
  if (meta_len / stride < n) n = meta_len / stride;
  if (n > MAX_BATCH) n = MAX_BATCH;
  if (n == 0) return throw_range(env, "slab and meta must hold at least one message");

  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  peer_addr from[MAX_BATCH];
  memset(msgs, 0, n * sizeof msgs[0]);
  for (size_t i = 0; i < n; i++) {
    iov[i].iov_base = slab + i * slot;
    iov[i].iov_len = slot;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_name = &from[i];
    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
  }
  int got;
  do {
    got = recvmmsg(s->fd, msgs, (unsigned)n, MSG_DONTWAIT, NULL);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) got = 0;
    else return throw_errno(env, "recvmmsg", errno, NULL);
  }
  uint32_t kept = 0;
  for (int i = 0; i < got; i++) {
    // a datagram longer than the slot arrives cut: drop it rather than hand on a part
    if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) continue;
    socklen_t want = s->family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (msgs[i].msg_hdr.msg_namelen < want || from[i].v4.sin_family != s->family) continue;
    uint32_t *m = meta + (size_t)kept * stride;
    m[0] = (uint32_t)((size_t)i * slot);
    m[1] = msgs[i].msg_len;
    peer_to_meta(s->family, &from[i], m);
    kept++;
  }
  napi_value v;
  CHECK(napi_create_uint32(env, kept, &v));
  return v;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  udp_sock *s = get_open_sock(env, argv[0]);
  if (!s) return NULL;
  uint8_t *slab;
  size_t slab_len, meta_len;
  uint32_t count, *meta;
  if (!get_buffer(env, argv[1], &slab, &slab_len)) return NULL;
  if (!get_u32_array(env, argv[2], &meta, &meta_len)) return NULL;
  if (!get_uint(env, argv[3], 0, UINT32_MAX, "count must be a non-negative integer", &count)) return NULL;
  const size_t stride = stride_of(s);
  const size_t port_word = s->family == AF_INET6 ? 2 : 3;
  if ((size_t)count > meta_len / stride) return throw_range(env, "count exceeds the messages in meta");
  for (size_t i = 0; i < count; i++) {
    const uint32_t *m = meta + i * stride;
    if ((uint64_t)m[0] + m[1] > slab_len || m[1] > MAX_UDP_PAYLOAD) return throw_range(env, "a message lies outside the slab");
    if (m[port_word] > 65535) return throw_range(env, "a port is out of range");
  }

  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  peer_addr to[MAX_BATCH];
  uint32_t sent = 0;
  size_t next = 0;
  while (next < count) {
    size_t n = count - next;
    if (n > MAX_BATCH) n = MAX_BATCH;
    memset(msgs, 0, n * sizeof msgs[0]);
    for (size_t i = 0; i < n; i++) {
      const uint32_t *m = meta + (next + i) * stride;
      iov[i].iov_base = slab + m[0];
      iov[i].iov_len = m[1];
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &to[i];
      msgs[i].msg_hdr.msg_namelen = meta_to_peer(s->family, m, &to[i]);
    }
    int r = sendmmsg(s->fd, msgs, (unsigned)n, MSG_DONTWAIT);
    if (r > 0) {
      sent += (uint32_t)r;
      next += (size_t)r;
    } else if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      break;  // socket buffer full: the rest is dropped, as UDP may
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      next++;  // this one datagram cannot go (EPERM from a firewall, EINVAL, ...): skip it
    }
  }
  napi_value v;
  CHECK(napi_create_uint32(env, sent, &v));
  return v;
}

bool register_udp_batch(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"localPort", NULL, js_local_port, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unwatch", NULL, js_unwatch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"recv", NULL, js_recv, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return false;
  napi_value stride, stride6, batch;
  if (napi_create_uint32(env, META_STRIDE, &stride) != napi_ok || napi_create_uint32(env, META_STRIDE6, &stride6) != napi_ok ||
      napi_create_uint32(env, MAX_BATCH, &batch) != napi_ok) return false;
  return napi_set_named_property(env, exports, "RECV_META_STRIDE", stride) == napi_ok &&
         napi_set_named_property(env, exports, "SEND_META_STRIDE", stride) == napi_ok &&
         napi_set_named_property(env, exports, "META_STRIDE6", stride6) == napi_ok &&
         napi_set_named_property(env, exports, "MAX_BATCH", batch) == napi_ok;
}
