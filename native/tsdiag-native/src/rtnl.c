// One exchange with the kernel's routing netlink (NETLINK_ROUTE), the way `ip`
// reads links, addresses, routes and neighbours, without starting `ip`.
//
//   rtnl(netnsPath | null, request) -> Buffer
//       sends request (one netlink message, built by the caller) from a socket
//       made inside that namespace (null: the caller's own) and returns every
//       answer message: for a dump (NLM_F_DUMP) all parts up to NLMSG_DONE, else
//       the one answer. An NLMSG_ERROR with an error throws Error with that code
//       (ENETUNREACH, ...), syscall "rtnetlink"; an acknowledgement ends the
//       exchange with what came before it.
//
// Synchronous: the kernel answers from memory in microseconds, and a dump of a
// namespace's few links or routes is a few KiB (capped at MAX_ANSWER_BYTES).
#include <errno.h>
#include <limits.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "napi_util.h"
#include "netns.h"

#define MAX_REQUEST_BYTES 4096
#define MAX_ANSWER_BYTES (16 * 1024 * 1024)
#define RECV_BYTES (64 * 1024)

struct answer {
  char *data;
  size_t len, cap;
};

static bool append(struct answer *a, const void *msg, size_t len) {
  if (a->len + len > MAX_ANSWER_BYTES) return false;
  if (a->len + len > a->cap) {
    size_t cap = a->cap ? a->cap : RECV_BYTES;
    while (cap < a->len + len) cap *= 2;
    char *bigger = realloc(a->data, cap);
    if (!bigger) return false;
    a->data = bigger;
    a->cap = cap;
  }
  memcpy(a->data + a->len, msg, len);
  a->len += len;
  return true;
}

/** A NETLINK_ROUTE socket of the namespace at path (NULL: this thread's), or -1 with *err and *syscall set. */
static int rtnl_socket(const char *path, int *err, const char **syscall) {
  int own = -1;
  if (path) {
    own = netns_enter(path, err, syscall);
    if (own < 0) return -1;
  }
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  *err = errno;
  *syscall = "socket";
  if (own >= 0) netns_return(own);
  if (fd < 0) return -1;
  // the kernel answers at once; a bound on the wait only guards against a bug
  struct timeval timeout = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

/**
 * Reads answers to seq until the exchange ends; 0 when it ended well, else an
 * errno (*syscall names where: recv, or rtnetlink for the kernel's NLMSG_ERROR).
 */
static int collect(int fd, uint32_t seq, bool dump, struct answer *out, const char **syscall) {
  char *buf = malloc(RECV_BYTES);
  if (!buf) return ENOMEM;
  int result = 0;
  for (bool done = false; !done;) {
    struct sockaddr_nl from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(fd, buf, RECV_BYTES, MSG_TRUNC, (struct sockaddr *)&from, &from_len);
    if (n < 0 && errno == EINTR) continue;
    *syscall = "recv";
    if (n < 0) {
      result = errno;
      break;
    }
    if (n > RECV_BYTES) {
      result = EMSGSIZE;
      break;
    }
    if (from.nl_pid != 0) continue;  // only the kernel speaks here
    int left = (int)n;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_seq != seq) continue;
      if (h->nlmsg_type == NLMSG_DONE) {
        done = true;
        break;
      }
      if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        if (h->nlmsg_len < NLMSG_LENGTH(sizeof *e)) {
          result = EBADMSG;
        } else if (e->error != 0) {
          result = -e->error;
          *syscall = "rtnetlink";
        }
        done = true;
        break;
      }
      if (!append(out, h, h->nlmsg_len)) {
        result = ENOBUFS;
        done = true;
        break;
      }
      if (!dump) {
        done = true;
        break;
      }
    }
  }
  free(buf);
  return result;
}

static napi_value js_rtnl(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  napi_valuetype path_type;
  CHECK(napi_typeof(env, argv[0], &path_type));
  char path[PATH_MAX];
  bool in_other = path_type != napi_null;
  if (in_other && !get_abs_path(env, argv[0], path, sizeof path, "netnsPath must be an absolute path or null")) return NULL;
  bool is_buffer = false;
  CHECK(napi_is_buffer(env, argv[1], &is_buffer));
  const char *request_msg = "request must be a Buffer holding one netlink message";
  if (!is_buffer) return throw_type(env, request_msg);
  void *request_data;
  size_t request_len;
  CHECK(napi_get_buffer_info(env, argv[1], &request_data, &request_len));
  if (request_len < NLMSG_HDRLEN || request_len > MAX_REQUEST_BYTES) return throw_type(env, request_msg);
  // a private copy: the header's length and sequence are set here
  char request[MAX_REQUEST_BYTES];
  memcpy(request, request_data, request_len);
  struct nlmsghdr *h = (struct nlmsghdr *)request;
  if (h->nlmsg_len != request_len) return throw_type(env, request_msg);
  static uint32_t last_seq;
  h->nlmsg_seq = ++last_seq;
  h->nlmsg_flags |= NLM_F_REQUEST;
  bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;

  int err = 0;
  const char *syscall = NULL;
  int fd = rtnl_socket(in_other ? path : NULL, &err, &syscall);
  if (fd < 0) return throw_errno(env, syscall, err, in_other ? path : NULL);
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  struct answer answer = {0};
  if (sendto(fd, request, request_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
    err = errno;
    syscall = "send";
  } else {
    err = collect(fd, h->nlmsg_seq, dump, &answer, &syscall);
  }
  close(fd);
  if (err) {
    free(answer.data);
    return throw_errno(env, syscall, err, strerror(err));
  }
  napi_value result;
  napi_status status = napi_create_buffer_copy(env, answer.len, answer.len ? answer.data : "", NULL, &result);
  free(answer.data);
  return status == napi_ok ? result : throw_napi(env);
}

bool register_rtnl(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"rtnl", NULL, js_rtnl, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
