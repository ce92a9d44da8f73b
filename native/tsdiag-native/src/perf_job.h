// What tcp_stream.c and rtt_probe.c share: a job run on libuv's thread pool
// (napi async work) whose outcome settles a promise, clocks, and the distinct
// error texts a measurement collects.
#ifndef TSDIAG_PERF_JOB_H
#define TSDIAG_PERF_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <node_api.h>

#define PERF_MAX_ERRORS 8
#define PERF_ERROR_LEN 128

typedef struct perf_job perf_job;
struct perf_job {
  /** on the pool's thread: no N-API calls here */
  void (*run)(perf_job *job);
  /** back on the JS thread: the value the promise resolves with, NULL (an exception pending or not) to reject */
  napi_value (*result)(napi_env env, perf_job *job);
  /** a failure that rejects the promise (errno, the call), set by run */
  int fail_err;
  const char *fail_syscall;
  char fail_detail[64];
  char errors[PERF_MAX_ERRORS][PERF_ERROR_LEN];
  int error_count;
  napi_async_work work;
  napi_deferred deferred;
};

/**
 * Queues job (malloc'd, a perf_job first; freed once settled) and returns its promise;
 * NULL with a pending exception (and job freed) if it cannot be queued.
 */
napi_value perf_job_start(napi_env env, perf_job *job, const char *name);
/** Adds "<syscall> <CODE> <detail>" to job's errors unless already there (at most PERF_MAX_ERRORS). */
void perf_job_error(perf_job *job, const char *syscall, int err, const char *detail);
/** { [name]: values as numbers, errors: job's errors }: what both kinds of job resolve with */
napi_value perf_job_figures(napi_env env, perf_job *job, const char *name, const double *values, uint32_t n);

/** Where a perf job sends: an IPv4 or IPv6 peer (AF_INET6 sockets for the latter). */
typedef struct {
  union {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
  } sa;
  socklen_t len;
  int family;
} perf_peer;

/** "[2001:db8::1]:65535" and its terminator fit */
#define PERF_WHERE_LEN 56

/**
 * A dotted IPv4 or a textual IPv6 address and port (0: none, e.g. ICMP) as a
 * peer, and its text for errors ("10.0.0.2:80", "[fd00::2]:80"); false with a
 * pending TypeError otherwise.
 */
bool perf_get_peer(napi_env env, napi_value address, uint32_t port, perf_peer *out, char *where, size_t size);

/** CLOCK_MONOTONIC in ms: what process.hrtime() reads, the same in every process and namespace */
double mono_ms(void);
/** CLOCK_REALTIME in ns: the clock SO_TIMESTAMPNS stamps received packets with */
int64_t real_ns(void);

#endif
