#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "napi_util.h"
#include "perf_job.h"

static void execute(napi_env env, void *data) {
  (void)env;
  perf_job *job = data;
  job->run(job);
}

static void complete(napi_env env, napi_status status, void *data) {
  perf_job *job = data;
  napi_value value = NULL;
  if (status == napi_ok && !job->fail_syscall) value = job->result(env, job);
  if (value) {
    napi_resolve_deferred(env, job->deferred, value);
  } else {
    napi_value error = NULL;
    bool pending = false;
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) napi_get_and_clear_last_exception(env, &error);
    else if (job->fail_syscall) error = errno_error(env, job->fail_syscall, job->fail_err, job->fail_detail[0] ? job->fail_detail : NULL);
    if (!error) {
      napi_value msg;
      napi_create_string_utf8(env, "perf job failed", NAPI_AUTO_LENGTH, &msg);
      napi_create_error(env, NULL, msg, &error);
    }
    napi_reject_deferred(env, job->deferred, error);
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

napi_value perf_job_start(napi_env env, perf_job *job, const char *name) {
  napi_value promise, name_v;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok) {
    free(job);
    return throw_napi(env);
  }
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &name_v) != napi_ok ||
      napi_create_async_work(env, NULL, name_v, execute, complete, job, &job->work) != napi_ok) {
    napi_value u = undefined(env);
    napi_reject_deferred(env, job->deferred, u);  // the deferred must be settled; its promise is never handed out
    free(job);
    return throw_napi(env);
  }
  if (napi_queue_async_work(env, job->work) != napi_ok) {
    napi_delete_async_work(env, job->work);
    napi_reject_deferred(env, job->deferred, undefined(env));
    free(job);
    return throw_napi(env);
  }
  return promise;
}

void perf_job_error(perf_job *job, const char *syscall, int err, const char *detail) {
  char text[PERF_ERROR_LEN];
  int n = snprintf(text, sizeof text, "%s", syscall);
  if (err && n >= 0 && (size_t)n < sizeof text) n += snprintf(text + n, sizeof text - (size_t)n, " %s", uv_err_name(uv_translate_sys_error(err)));
  if (detail && n >= 0 && (size_t)n < sizeof text) snprintf(text + n, sizeof text - (size_t)n, " %s", detail);
  for (int i = 0; i < job->error_count; i++) {
    if (strcmp(job->errors[i], text) == 0) return;
  }
  if (job->error_count < PERF_MAX_ERRORS) memcpy(job->errors[job->error_count++], text, sizeof text);
}

napi_value perf_job_figures(napi_env env, perf_job *job, const char *name, const double *values, uint32_t n) {
  napi_value obj, arr, errors, v;
  if (napi_create_object(env, &obj) != napi_ok || napi_create_array_with_length(env, n, &arr) != napi_ok ||
      napi_create_array_with_length(env, (size_t)job->error_count, &errors) != napi_ok) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    if (napi_create_double(env, values[i], &v) != napi_ok || napi_set_element(env, arr, i, v) != napi_ok) return NULL;
  }
  for (int i = 0; i < job->error_count; i++) {
    if (napi_create_string_utf8(env, job->errors[i], NAPI_AUTO_LENGTH, &v) != napi_ok || napi_set_element(env, errors, (uint32_t)i, v) != napi_ok) return NULL;
  }
  if (napi_set_named_property(env, obj, name, arr) != napi_ok || napi_set_named_property(env, obj, "errors", errors) != napi_ok) return NULL;
  return obj;
}

bool perf_get_peer(napi_env env, napi_value address, uint32_t port, perf_peer *out, char *where, size_t size) {
  char text[INET6_ADDRSTRLEN + 1];
  memset(out, 0, sizeof *out);
  // get_cstring refuses an embedded NUL, which would let inet_pton accept a prefix of the string
  if (!get_cstring(env, address, text, sizeof text, "address must be an IPv4 or IPv6 address")) return false;
  const struct {
    int family;
    void *addr;
    in_port_t *port;
    socklen_t len;
    const char *with_port;
  } kinds[] = {
      {AF_INET, &out->sa.v4.sin_addr, &out->sa.v4.sin_port, sizeof out->sa.v4, "%s:%u"},
      {AF_INET6, &out->sa.v6.sin6_addr, &out->sa.v6.sin6_port, sizeof out->sa.v6, "[%s]:%u"},
  };
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
    if (inet_pton(kinds[i].family, text, kinds[i].addr) != 1) continue;
    out->family = out->sa.sa.sa_family = (sa_family_t)kinds[i].family;
    *kinds[i].port = htons((uint16_t)port);
    out->len = kinds[i].len;
    if (port) snprintf(where, size, kinds[i].with_port, text, port);
    else snprintf(where, size, "%s", text);
    return true;
  }
  throw_type(env, "address must be an IPv4 or IPv6 address");
  return false;
}

double mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int64_t real_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
