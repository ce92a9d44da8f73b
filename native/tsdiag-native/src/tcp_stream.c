// TCP throughput for tsdiag perf's traffic generator, off Node's event loop
// (the generator is a Node child living in the namespace; these calls act in
// the calling thread's namespace, i.e. that one):
//
//   tcpSend(address, port, header, streams, ms) -> Promise<{ bytes: number[], errors: string[] }>
//       `streams` connections to address:port (IPv4 or IPv6), each writing header and then
//       128 KiB writes (iperf3's default) for ms from when all are connected,
//       then closed (the kernel still delivers what is queued, then a FIN).
//       bytes: what the kernel took per stream (0 for one that failed).
//       One thread on libuv's pool polls every stream, as iperf3 3.12 does.
//   tcpSink(fd, magic) -> Float64Array [bytes, firstMs, lastMs, state, session, stop]
//       A thread of its own reads the accepted connection fd (a Node socket
//       paused on connect: no one else reads it) until EOF: first the 8-byte
//       header (magic, session, big-endian; another magic ends it), then it
//       counts what comes. state: 0 header, 1 counting, 2 EOF (the thread has
//       sent its FIN), 3 error or foreign. Times: monotonic ms (-1: none yet).
//       Writing 1 at [5] asks the thread to stop; close fd only once state >= 2.
//
// The sink's figures are plain doubles written by one thread and read by JS:
// each is 8-byte aligned (no torn reads on x86-64 or arm64), state last.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "napi_util.h"
#include "perf_job.h"

#define WRITE_SIZE (128 * 1024)
#define READ_SIZE (128 * 1024)
#define MAX_STREAMS 128
#define MAX_HEADER 64
#define CONNECT_TIMEOUT_MS 5000
#define WRITES_PER_WAKE 16
#define SINK_POLL_MS 200

enum { S_BYTES, S_FIRST, S_LAST, S_STATE, S_SESSION, S_STOP, S_COUNT };
enum { ST_HEADER, ST_COUNTING, ST_EOF, ST_ERROR };

// ---- sender

typedef struct {
  perf_job job;
  perf_peer to;
  char where[PERF_WHERE_LEN];
  uint8_t header[MAX_HEADER];
  uint32_t header_len, streams, ms;
  double bytes[MAX_STREAMS];
} send_job;

/** Nonblocking connects to every stream at once; fds[i] is -1 for one that failed (its error recorded). */
static void connect_all(send_job *j, int *fds) {
  struct pollfd p[MAX_STREAMS];
  for (uint32_t i = 0; i < j->streams; i++) {
    fds[i] = socket(j->to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fds[i] < 0) {
      perf_job_error(&j->job, "socket", errno, NULL);
      continue;
    }
    if (connect(fds[i], &j->to.sa.sa, j->to.len) != 0 && errno != EINPROGRESS) {
      perf_job_error(&j->job, "connect", errno, j->where);
      close(fds[i]);
      fds[i] = -1;
    }
  }
  double deadline = mono_ms() + CONNECT_TIMEOUT_MS;
  for (;;) {
    nfds_t n = 0;
    for (uint32_t i = 0; i < j->streams; i++) {
      int err = 0;
      socklen_t len = sizeof err;
      if (fds[i] < 0) continue;
      // connected already, or failed: SO_ERROR says which once the socket is writable
      struct pollfd one = {fds[i], POLLOUT, 0};
      if (poll(&one, 1, 0) == 1) {
        getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
          perf_job_error(&j->job, "connect", err, j->where);
          close(fds[i]);
          fds[i] = -1;
        }
        continue;
      }
      p[n++] = one;
    }
    if (n == 0) return;
    int left = (int)(deadline - mono_ms());
    if (left <= 0 || (poll(p, n, left) < 0 && errno != EINTR)) break;
  }
  for (uint32_t i = 0; i < j->streams; i++) {
    struct pollfd one = {fds[i], POLLOUT, 0};
    if (fds[i] >= 0 && poll(&one, 1, 0) != 1) {
      perf_job_error(&j->job, "connect", ETIMEDOUT, j->where);
      close(fds[i]);
      fds[i] = -1;
    }
  }
}

static void run_send(perf_job *job) {
  send_job *j = (send_job *)job;
  uint8_t *chunk = malloc(WRITE_SIZE);
  if (!chunk) {
    job->fail_err = ENOMEM;
    job->fail_syscall = "malloc";
    return;
  }
  memset(chunk, 0x61, WRITE_SIZE);
  int fds[MAX_STREAMS];
  connect_all(j, fds);
  for (uint32_t i = 0; i < j->streams; i++) {
    if (fds[i] >= 0 && send(fds[i], j->header, j->header_len, MSG_NOSIGNAL) != (ssize_t)j->header_len) {
      perf_job_error(job, "send", errno, j->where);
      close(fds[i]);
      fds[i] = -1;
    }
  }
  double deadline = mono_ms() + j->ms;
  struct pollfd p[MAX_STREAMS];
  uint32_t idx[MAX_STREAMS];
  for (;;) {
    double now = mono_ms();
    nfds_t n = 0;
    for (uint32_t i = 0; i < j->streams; i++) {
      if (fds[i] >= 0) {
        p[n] = (struct pollfd){fds[i], POLLOUT, 0};
        idx[n++] = i;
      }
    }
    if (n == 0 || now >= deadline) break;
    int left = (int)(deadline - now) + 1;
    if (poll(p, n, left) < 0) {
      if (errno == EINTR) continue;
      job->fail_err = errno;
      job->fail_syscall = "poll";
      break;
    }
    for (nfds_t k = 0; k < n; k++) {
      if (!p[k].revents) continue;
      uint32_t i = idx[k];
      for (int w = 0; w < WRITES_PER_WAKE; w++) {
        ssize_t r = send(fds[i], chunk, WRITE_SIZE, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r > 0) {
          j->bytes[i] += (double)r;
          continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
        perf_job_error(job, "send", errno, j->where);
        close(fds[i]);
        fds[i] = -1;
        break;
      }
    }
  }
  for (uint32_t i = 0; i < j->streams; i++) {
    if (fds[i] >= 0) close(fds[i]);
  }
  free(chunk);
}

static napi_value send_result(napi_env env, perf_job *job) {
  send_job *j = (send_job *)job;
  return perf_job_figures(env, job, "bytes", j->bytes, j->streams);
}

static bool get_header(napi_env env, napi_value v, send_job *j) {
  bool is = false;
  void *data = NULL;
  size_t len = 0;
  if (napi_is_buffer(env, v, &is) != napi_ok || !is || napi_get_buffer_info(env, v, &data, &len) != napi_ok) {
    throw_type(env, "header must be a Buffer");
    return false;
  }
  if (len > MAX_HEADER) {
    throw_range(env, "header must be at most 64 bytes");
    return false;
  }
  memcpy(j->header, data, len);
  j->header_len = (uint32_t)len;
  return true;
}

static napi_value js_tcp_send(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return NULL;
  send_job *j = calloc(1, sizeof *j);
  if (!j) return throw_errno(env, "tcpSend", ENOMEM, NULL);
  uint32_t port;
  if (!get_uint(env, argv[1], 1, 65535, "port must be an integer in 1..65535", &port) ||
      !perf_get_peer(env, argv[0], port, &j->to, j->where, sizeof j->where) || !get_header(env, argv[2], j) ||
      !get_uint(env, argv[3], 1, MAX_STREAMS, "streams must be an integer in 1..128", &j->streams) ||
      !get_uint(env, argv[4], 1, 3600 * 1000, "ms must be an integer in 1..3600000", &j->ms)) {
    free(j);
    return NULL;
  }
  j->job.run = run_send;
  j->job.result = send_result;
  return perf_job_start(env, &j->job, "tsdiag.tcpSend");
}

// ---- sink

typedef struct {
  double stats[S_COUNT];  // first: the Float64Array's memory
  int refs;               // the thread and the ArrayBuffer; the last one frees
  int fd;
  uint32_t magic;
} sink;

static void sink_release(sink *s) {
  if (__atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) free(s);
}

static void sink_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)data;
  sink_release(hint);
}

static void sink_set_state(sink *s, int state) {
  double v = state;
  __atomic_store(&s->stats[S_STATE], &v, __ATOMIC_RELEASE);
}

static bool sink_stopped(sink *s) {
  double v;
  __atomic_load(&s->stats[S_STOP], &v, __ATOMIC_ACQUIRE);
  return v != 0;
}

/** Waits until fd is readable or SINK_POLL_MS pass; false once asked to stop. */
static bool sink_wait(sink *s) {
  struct pollfd p = {s->fd, POLLIN, 0};
  poll(&p, 1, SINK_POLL_MS);
  return !sink_stopped(s);
}

static void *sink_thread(void *arg) {
  sink *s = arg;
  uint8_t *buf = malloc(READ_SIZE);
  uint8_t head[8];
  size_t got = 0;
  int state = buf ? ST_HEADER : ST_ERROR;
  while (state == ST_HEADER || state == ST_COUNTING) {
    ssize_t r = state == ST_HEADER ? recv(s->fd, head + got, sizeof head - got, MSG_DONTWAIT)
                                   : recv(s->fd, buf, READ_SIZE, MSG_DONTWAIT);
    if (r > 0) {
      double now = mono_ms();
      if (state == ST_COUNTING) {
        s->stats[S_BYTES] += (double)r;
        s->stats[S_LAST] = now;
        continue;
      }
      got += (size_t)r;
      if (got < sizeof head) continue;
      uint32_t magic, session;
      memcpy(&magic, head, 4);
      memcpy(&session, head + 4, 4);
      if (ntohl(magic) != s->magic) {
        state = ST_ERROR;
        break;
      }
      s->stats[S_SESSION] = ntohl(session);
      s->stats[S_FIRST] = now;
      s->stats[S_LAST] = now;
      sink_set_state(s, state = ST_COUNTING);
    } else if (r == 0) {
      shutdown(s->fd, SHUT_WR);  // our FIN now: the sender need not wait for JS to close the socket
      state = ST_EOF;
    } else if (errno == EAGAIN || errno == EINTR) {
      if (!sink_wait(s)) state = ST_ERROR;
    } else {
      state = ST_ERROR;
    }
  }
  free(buf);
  sink_set_state(s, state);
  sink_release(s);
  return NULL;
}

static napi_value js_tcp_sink(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  uint32_t fd, magic;
  if (!get_uint(env, argv[0], 0, INT32_MAX, "fd must be a descriptor", &fd) ||
      !get_uint(env, argv[1], 0, UINT32_MAX, "magic must be a uint32", &magic)) return NULL;
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt((int)fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) return throw_errno(env, "getsockopt", errno, NULL);
  if (type != SOCK_STREAM) return throw_type(env, "fd must be a stream socket");
  sink *s = calloc(1, sizeof *s);
  if (!s) return throw_errno(env, "tcpSink", ENOMEM, NULL);
  s->fd = (int)fd;
  s->magic = magic;
  s->stats[S_FIRST] = s->stats[S_LAST] = s->stats[S_SESSION] = -1;
  s->refs = 1;
  napi_value ab, arr;
  if (napi_create_external_arraybuffer(env, s->stats, sizeof s->stats, sink_finalize, s, &ab) != napi_ok) {
    free(s);
    return throw_napi(env);
  }
  // from here the ArrayBuffer owns a reference: no free() on the paths below
  CHECK(napi_create_typedarray(env, napi_float64_array, S_COUNT, ab, 0, &arr));
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  pthread_t t;
  __atomic_add_fetch(&s->refs, 1, __ATOMIC_ACQ_REL);
  int rc = pthread_create(&t, &attr, sink_thread, s);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    sink_release(s);
    return throw_errno(env, "pthread_create", rc, NULL);
  }
  return arr;
}

bool register_tcp_stream(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"tcpSend", NULL, js_tcp_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tcpSink", NULL, js_tcp_sink, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
