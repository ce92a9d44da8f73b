#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <uv.h>

#include "napi_util.h"


napi_value throw_napi(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    const napi_extended_error_info *info = NULL;
    napi_get_last_error_info(env, &info);
    napi_throw_error(env, NULL, info && info->error_message ? info->error_message : "N-API call failed");
  }
  return NULL;
}

napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return NULL;
}

napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
  return NULL;
}

napi_value errno_error(napi_env env, const char *syscall, int err, const char *detail) {
  const char *code = uv_err_name(uv_translate_sys_error(err));
  char text[256];
  snprintf(text, sizeof text, "%s %s%s%s", syscall, code, detail ? " " : "", detail ? detail : "");
  napi_value msg, code_v, errno_v, syscall_v, error;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) != napi_ok ||
      napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_v) != napi_ok ||
      napi_create_int32(env, -err, &errno_v) != napi_ok ||
      napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_v) != napi_ok ||
      napi_create_error(env, code_v, msg, &error) != napi_ok) {
    return NULL;
  }
  napi_set_named_property(env, error, "errno", errno_v);
  napi_set_named_property(env, error, "syscall", syscall_v);
  return error;
}

napi_value throw_errno(napi_env env, const char *syscall, int err, const char *detail) {
  napi_value error = errno_error(env, syscall, err, detail);
  if (!error) return throw_napi(env);
  napi_throw(env, error);
  return NULL;
}

napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

bool get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return false;
  if (argc < want) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "missing arguments");
    return false;
  }
  return true;
}

bool get_uint(napi_env env, napi_value v, uint32_t min, uint32_t max, const char *what, uint32_t *out) {
  napi_valuetype t;
  double d;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok) {
    throw_type(env, what);
    return false;
  }
  if (!(d >= min && d <= max) || d != (double)(uint32_t)d) {
    throw_range(env, what);
    return false;
  }
  *out = (uint32_t)d;
  return true;
}


bool get_cstring(napi_env env, napi_value v, char *buf, size_t size, const char *what) {
  napi_valuetype t;
  size_t len = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string ||
      napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok ||
      len >= size - 1 || strlen(buf) != len) {
    throw_type(env, what);
    return false;
  }
  return true;
}

char *dup_cstring(napi_env env, napi_value v, size_t max_len, const char *what) {
  napi_valuetype t;
  size_t len = 0;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string || napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len > max_len) {
    throw_type(env, what);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  // an embedded NUL would run a prefix of what was asked for
  if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok || strlen(s) != len) {
    free(s);
    throw_type(env, what);
    return NULL;
  }
  return s;
}

bool get_ipv4(napi_env env, napi_value v, struct in_addr *out, char *text, size_t size) {
  napi_valuetype t;
  size_t len = 0;
  // an embedded NUL would let inet_pton accept a prefix of the string
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_string || napi_get_value_string_utf8(env, v, text, size, &len) != napi_ok ||
      len >= size - 1 || strlen(text) != len || inet_pton(AF_INET, text, out) != 1) {
    throw_type(env, "address must be a dotted IPv4 address");
    return false;
  }
  return true;
}

bool get_abs_path(napi_env env, napi_value v, char *buf, size_t size, const char *what) {
  if (!get_cstring(env, v, buf, size, what)) return false;
  if (buf[0] != '/') {
    throw_type(env, what);
    return false;
  }
  return true;
}
