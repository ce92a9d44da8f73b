// Work done inside another network namespace without a process living there.
// setns() moves only the calling thread: each call here moves it to the
// target, does its one thing and moves it back before returning, so no JS ever
// runs in the wrong namespace.
//
//   socketIn(netnsPath, kind) -> fd        an unconnected, unbound socket made there (a socket
//                                          keeps its namespace); kind: udp4, udp6, tcp4, tcp6
//   readIn(netnsPath, paths) -> (string|null)[]
//                                          files read there (/proc/sys/net/..., /proc/thread-self/net/...,
//                                          which show the reader's namespace); null for one that cannot be read
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "napi_util.h"
#include "netns.h"

#define MAX_READ_FILES 64
#define MAX_READ_BYTES (8 * 1024 * 1024)

int netns_enter(const char *path, int *err, const char **syscall) {
  // O_NONBLOCK | O_NOCTTY: a path that is no namespace file (a FIFO, a terminal) neither blocks nor is adopted
  int target = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (target < 0) {
    *err = errno;
    *syscall = "open";
    return -1;
  }
  int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0) {
    *err = errno;
    *syscall = "open";
    close(target);
    return -1;
  }
  if (setns(target, CLONE_NEWNET) != 0) {
    *err = errno;
    *syscall = "setns";
    close(own);
    close(target);
    return -1;
  }
  close(target);
  return own;
}

void netns_return(int own) {
  if (setns(own, CLONE_NEWNET) != 0) {
    fprintf(stderr, "tsdiag-native: cannot return to the thread's own network namespace (%s); aborting\n", strerror(errno));
    abort();
  }
  close(own);
}

static const struct {
  const char *name;
  int family;
  int type;
} SOCKET_KINDS[] = {
    {"udp4", AF_INET, SOCK_DGRAM},
    {"udp6", AF_INET6, SOCK_DGRAM},
    {"tcp4", AF_INET, SOCK_STREAM},
    {"tcp6", AF_INET6, SOCK_STREAM},
};

static napi_value js_socket_in(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char path[PATH_MAX];
  if (!get_abs_path(env, argv[0], path, sizeof path, "netnsPath must be an absolute path")) return NULL;
  char kind_name[8];
  const char *kinds_msg = "kind must be one of udp4, udp6, tcp4, tcp6";
  if (!get_cstring(env, argv[1], kind_name, sizeof kind_name, kinds_msg)) return NULL;
  int family = -1, type = -1;
  for (size_t i = 0; i < sizeof SOCKET_KINDS / sizeof SOCKET_KINDS[0]; i++) {
    if (strcmp(kind_name, SOCKET_KINDS[i].name) == 0) {
      family = SOCKET_KINDS[i].family;
      type = SOCKET_KINDS[i].type;
    }
  }
  if (family < 0) return throw_type(env, kinds_msg);

  int err = 0;
  const char *syscall = NULL;
  int own = netns_enter(path, &err, &syscall);
  if (own < 0) return throw_errno(env, syscall, err, path);
  int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int socket_err = errno;
  netns_return(own);
  if (fd < 0) return throw_errno(env, "socket", socket_err, path);
  napi_value v;
  if (napi_create_int32(env, fd, &v) != napi_ok) {
    close(fd);
    return throw_napi(env);
  }
  return v;
}

/** The whole file (at most MAX_READ_BYTES) in a malloc'd buffer, or NULL. */
static char *read_whole(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    if (n == cap) {
      char *bigger = cap < MAX_READ_BYTES ? realloc(buf, cap * 2) : NULL;
      if (!bigger) goto fail;
      buf = bigger;
      cap *= 2;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) goto fail;
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  *len = n;
  return buf;
fail:
  free(buf);
  close(fd);
  return NULL;
}

static napi_value js_read_in(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char path[PATH_MAX];
  if (!get_abs_path(env, argv[0], path, sizeof path, "netnsPath must be an absolute path")) return NULL;
  bool is_array = false;
  uint32_t count = 0;
  const char *paths_msg = "paths must be an array of absolute paths";
  CHECK(napi_is_array(env, argv[1], &is_array));
  if (!is_array) return throw_type(env, paths_msg);
  CHECK(napi_get_array_length(env, argv[1], &count));
  if (count > MAX_READ_FILES) return throw_range(env, "at most 64 paths");
  char files[MAX_READ_FILES][PATH_MAX / 4];
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    CHECK(napi_get_element(env, argv[1], i, &item));
    if (!get_abs_path(env, item, files[i], sizeof files[i], paths_msg)) return NULL;
  }

  int err = 0;
  const char *syscall = NULL;
  int own = netns_enter(path, &err, &syscall);
  if (own < 0) return throw_errno(env, syscall, err, path);
  char *texts[MAX_READ_FILES];
  size_t lens[MAX_READ_FILES];
  for (uint32_t i = 0; i < count; i++) texts[i] = read_whole(files[i], &lens[i]);
  netns_return(own);

  napi_value result;
  bool ok = napi_create_array_with_length(env, count, &result) == napi_ok;
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    if (ok) {
      ok = (texts[i] ? napi_create_string_utf8(env, texts[i], lens[i], &v) : napi_get_null(env, &v)) == napi_ok &&
           napi_set_element(env, result, i, v) == napi_ok;
    }
    free(texts[i]);
  }
  return ok ? result : throw_napi(env);
}

bool register_netns(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"socketIn", NULL, js_socket_in, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readIn", NULL, js_read_in, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
