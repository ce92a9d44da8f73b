// Starting a tool (ip, iptables-save, ping, ...) for its output, cheaply and
// optionally inside another network namespace.
//
//   spawn(file, args, env, netnsPath|null, input|null, onExit) -> pid
//       onExit(exitCode, signal, stdout, stderr) once the child is reaped and
//       both pipes are at EOF (exitCode -1 when a signal ended it).
//       Throws (nothing started) for bad arguments, a namespace it cannot
//       enter (syscall open/setns) and a file it cannot execute (syscall
//       spawn, code ENOENT/EACCES).
//   kill(pid, signal) -> bool   only this addon's children not yet reaped
//
// Why not node:child_process: libuv forks, and copying the page tables of a
// ~70 MB Node process costs ~2.5 ms of the main thread per start (the doctor
// starts ~25 tools). posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK)) does not
// copy them. And a namespace is entered by the calling thread for the moment
// of the spawn (the child inherits it), not by an nsenter hop.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "napi_util.h"
#include "netns.h"

#define MAX_ARGS 4096
#define MAX_ARG_LEN (128 * 1024)
#define MAX_INPUT (64 * 1024)
#define MAX_OUTPUT (64 * 1024 * 1024)
#define READ_CHUNK (64 * 1024)
#define DEFAULT_PATH "/usr/sbin:/usr/bin:/sbin:/bin"

typedef struct instance instance;

typedef struct {
  char *data;
  size_t len, cap;
} out_buf;

typedef struct child {
  struct child *next;
  instance *inst;
  pid_t pid;
  bool reaped;
  int status;
  int open_pipes;
  uv_pipe_t out, err;
  out_buf out_data, err_data;
  napi_ref callback;
  napi_async_context async;
} child;

struct instance {
  napi_env env;
  uv_signal_t *sigchld;  // started before the first spawn, so no child's exit goes unseen
  child *children;
  char scratch[READ_CHUNK];  // where output past MAX_OUTPUT is read to and dropped
};

static void free_handle(uv_handle_t *h) {
  free(h);
}

static void finalize_instance(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  instance *inst = data;
  if (inst->sigchld) uv_close((uv_handle_t *)inst->sigchld, free_handle);
  free(inst);  // children still running at teardown are left to the process's end
}

static void update_ref(instance *inst) {
  bool waiting = false;
  for (child *c = inst->children; c; c = c->next) waiting = waiting || !c->reaped;
  if (waiting) uv_ref((uv_handle_t *)inst->sigchld);
  else uv_unref((uv_handle_t *)inst->sigchld);
}

static napi_value make_buffer(napi_env env, out_buf *b) {
  napi_value v;
  if (napi_create_buffer_copy(env, b->len, b->len ? b->data : "", NULL, &v) != napi_ok) return NULL;
  return v;
}

/** Reaped and both pipes closed: off the list, onExit called, freed. */
static void maybe_finish(child *c) {
  if (!c->reaped || c->open_pipes > 0) return;
  instance *inst = c->inst;
  for (child **p = &inst->children; *p; p = &(*p)->next) {
    if (*p == c) {
      *p = c->next;
      break;
    }
  }
  update_ref(inst);
  napi_env env = inst->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) == napi_ok) {
    int code = WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -1;
    int sig = WIFSIGNALED(c->status) ? WTERMSIG(c->status) : 0;
    napi_value argv[4], cb, recv, result;
    if (napi_create_int32(env, code, &argv[0]) == napi_ok && napi_create_int32(env, sig, &argv[1]) == napi_ok &&
        (argv[2] = make_buffer(env, &c->out_data)) && (argv[3] = make_buffer(env, &c->err_data)) &&
        napi_get_reference_value(env, c->callback, &cb) == napi_ok && napi_get_global(env, &recv) == napi_ok) {
      napi_make_callback(env, c->async, recv, cb, 4, argv, &result);
    }
    napi_close_handle_scope(env, scope);
  }
  napi_async_destroy(env, c->async);
  napi_delete_reference(env, c->callback);
  free(c->out_data.data);
  free(c->err_data.data);
  free(c);
}

static void on_sigchld(uv_signal_t *h, int signum) {
  (void)signum;
  instance *inst = h->data;
  child *c = inst->children;
  while (c) {
    child *next = c->next;  // c may be freed below
    if (!c->reaped) {
      pid_t r;
      do r = waitpid(c->pid, &c->status, WNOHANG);
      while (r < 0 && errno == EINTR);
      if (r == c->pid) {
        c->reaped = true;
        maybe_finish(c);
      }
    }
    c = next;
  }
}

static void on_pipe_closed(uv_handle_t *h) {
  child *c = h->data;
  c->open_pipes--;
  maybe_finish(c);
}

static out_buf *buf_of(uv_handle_t *h) {
  child *c = h->data;
  return h == (uv_handle_t *)&c->out ? &c->out_data : &c->err_data;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  out_buf *b = buf_of(h);
  if (b->cap - b->len < READ_CHUNK && b->cap < MAX_OUTPUT) {
    size_t cap = b->cap ? b->cap * 2 : READ_CHUNK;
    char *bigger = realloc(b->data, cap);
    if (bigger) {
      b->data = bigger;
      b->cap = cap;
    }
  }
  if (b->cap - b->len >= READ_CHUNK) {
    *buf = uv_buf_init(b->data + b->len, READ_CHUNK);
  } else {
    child *c = h->data;
    *buf = uv_buf_init(c->inst->scratch, sizeof c->inst->scratch);
  }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  out_buf *b = buf_of((uv_handle_t *)s);
  if (nread > 0) {
    if (b->data && buf->base == b->data + b->len) b->len += (size_t)nread;
  } else if (nread < 0) {
    uv_close((uv_handle_t *)s, on_pipe_closed);  // EOF, or an error that ends the output as EOF would
  }
}

static instance *get_instance(napi_env env) {
  instance *inst = NULL;
  if (napi_get_instance_data(env, (void **)&inst) == napi_ok && inst) return inst;
  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return NULL;
  inst = calloc(1, sizeof *inst);
  uv_signal_t *sig = calloc(1, sizeof *sig);
  if (!inst || !sig || uv_signal_init(loop, sig) != 0) {
    free(inst);
    free(sig);
    return NULL;
  }
  inst->env = env;
  inst->sigchld = sig;
  sig->data = inst;
  if (uv_signal_start(sig, on_sigchld, SIGCHLD) != 0 || napi_set_instance_data(env, inst, finalize_instance, NULL) != napi_ok) {
    uv_close((uv_handle_t *)sig, free_handle);
    free(inst);
    return NULL;
  }
  uv_unref((uv_handle_t *)sig);
  return inst;
}

static void free_strings(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

/** A NULL-terminated copy of a JS array of strings, first (when given) prepended; NULL with a pending exception. */
static char **get_string_array(napi_env env, napi_value v, const char *first, const char *what) {
  bool is_array = false;
  uint32_t n = 0;
  if (napi_is_array(env, v, &is_array) != napi_ok || !is_array || napi_get_array_length(env, v, &n) != napi_ok) {
    throw_type(env, what);
    return NULL;
  }
  if (n > MAX_ARGS) {
    throw_range(env, what);
    return NULL;
  }
  size_t skip = first ? 1 : 0;
  char **out = calloc(n + skip + 1, sizeof *out);
  if (!out) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  if (first && !(out[0] = strdup(first))) {
    free(out);
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, v, i, &item) != napi_ok || !(out[i + skip] = dup_cstring(env, item, MAX_ARG_LEN, what))) {
      free_strings(out);
      return NULL;
    }
  }
  return out;
}

/**
 * file as execvp() would find it, searching the PATH of the child's env:
 * malloc'd, or NULL with *err (ENOENT: nowhere; EACCES: found, not executable).
 */
static char *find_executable(const char *file, char **envp, int *err) {
  if (strchr(file, '/')) {
    if (access(file, X_OK) == 0) return strdup(file);
    *err = errno;
    return NULL;
  }
  const char *path = DEFAULT_PATH;
  for (char **e = envp; *e; e++) {
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  }
  *err = ENOENT;
  char candidate[PATH_MAX];
  for (const char *dir = path; dir; dir = strchr(dir, ':') ? strchr(dir, ':') + 1 : NULL) {
    size_t dir_len = strchr(dir, ':') ? (size_t)(strchr(dir, ':') - dir) : strlen(dir);
    int n = dir_len ? snprintf(candidate, sizeof candidate, "%.*s/%s", (int)dir_len, dir, file)
                    : snprintf(candidate, sizeof candidate, "%s", file);  // an empty entry is the cwd
    if (n < 0 || (size_t)n >= sizeof candidate) continue;
    if (access(candidate, X_OK) == 0) return strdup(candidate);
    if (errno == EACCES) *err = EACCES;
  }
  return NULL;
}

/** The pipe's read end (non-blocking, for libuv) and its write end for the child; false with errno. */
static bool make_pipe(int fds[2]) {
  return pipe2(fds, O_CLOEXEC) == 0 && fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0;
}

static void close_all(int *fds, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (fds[i] >= 0) close(fds[i]);
  }
}

/** stdin for the child: /dev/null, or a pipe that already holds all of input (false: it does not fit). */
static int stdin_for(const uint8_t *input, size_t len, int *err) {
  if (!input || len == 0) {
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) *err = errno;
    return fd;
  }
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    *err = errno;
    return -1;
  }
  ssize_t w;
  do w = write(fds[1], input, len);
  while (w < 0 && errno == EINTR);
  close(fds[1]);
  if (w != (ssize_t)len) {  // a pipe smaller than usual (pipe-user-pages-soft reached)
    close(fds[0]);
    *err = w < 0 ? errno : EFBIG;
    return -1;
  }
  int flags = fcntl(fds[0], F_GETFL);
  fcntl(fds[0], F_SETFL, flags & ~O_NONBLOCK);  // the child reads it as a normal, blocking stdin
  return fds[0];
}

static int start_child(const char *exe, char **argv, char **envp, int in_fd, int out_fd, int err_fd, pid_t *pid) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t none, all;
  sigemptyset(&none);
  // every signal, glibc's internal ones (32, 33) too, which sigfillset() leaves out and posix_spawn would leave ignored
  memset(&all, 0xff, sizeof all);
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  // the child starts as a fresh process would: Node ignores SIGPIPE and handles others
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  int rc = posix_spawn(pid, exe, &actions, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

static napi_value js_spawn(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv)) return NULL;
  napi_valuetype t;
  char file[PATH_MAX];
  const char *file_msg = "file must be a non-empty string";
  if (!get_cstring(env, argv[0], file, sizeof file, file_msg)) return NULL;
  if (!file[0]) return throw_type(env, file_msg);
  char ns_path[PATH_MAX];
  CHECK(napi_typeof(env, argv[3], &t));
  bool in_netns = t != napi_null && t != napi_undefined;
  if (in_netns && !get_abs_path(env, argv[3], ns_path, sizeof ns_path, "netnsPath must be an absolute path or null")) return NULL;
  uint8_t *input = NULL;
  size_t input_len = 0;
  CHECK(napi_typeof(env, argv[4], &t));
  if (t != napi_null && t != napi_undefined) {
    bool is = false;
    if (napi_is_buffer(env, argv[4], &is) != napi_ok || !is || napi_get_buffer_info(env, argv[4], (void **)&input, &input_len) != napi_ok) {
      return throw_type(env, "input must be a Buffer or null");
    }
    if (input_len > MAX_INPUT) return throw_range(env, "input must be at most 64 KiB");
  }
  CHECK(napi_typeof(env, argv[5], &t));
  if (t != napi_function) return throw_type(env, "onExit must be a function");
  instance *inst = get_instance(env);
  if (!inst) return throw_napi(env);

  char **args = get_string_array(env, argv[1], file, "args must be an array of strings without NUL");
  char **envp = args ? get_string_array(env, argv[2], NULL, "env must be an array of NAME=value strings") : NULL;
  if (!envp) {
    free_strings(args);
    return NULL;
  }
  int err = 0;
  const char *syscall = "spawn";
  char *exe = NULL;
  int fds[5] = {-1, -1, -1, -1, -1};  // stdin (child's), stdout r/w, stderr r/w
  pid_t pid = -1;
  int own = -2;
  if (!(exe = find_executable(file, envp, &err))) goto fail;
  syscall = "pipe";
  if ((fds[0] = stdin_for(input, input_len, &err)) < 0) goto fail;
  if (!make_pipe(&fds[1]) || !make_pipe(&fds[3])) {
    err = errno;
    goto fail;
  }
  if (in_netns && (own = netns_enter(ns_path, &err, &syscall)) < 0) goto fail;
  err = start_child(exe, args, envp, fds[0], fds[2], fds[4], &pid);
  if (in_netns) netns_return(own);
  syscall = "spawn";
  if (err != 0) goto fail;
  close(fds[0]);
  close(fds[2]);
  close(fds[4]);
  free(exe);
  free_strings(args);
  free_strings(envp);

  // from here the child runs: whatever fails below, it is still reaped and its pipes read
  child *c = calloc(1, sizeof *c);
  uv_loop_t *loop = NULL;
  napi_value name;
  if (!c || napi_get_uv_event_loop(env, &loop) != napi_ok ||
      napi_create_string_utf8(env, "tsdiag:spawn", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_reference(env, argv[5], 1, &c->callback) != napi_ok ||
      napi_async_init(env, NULL, name, &c->async) != napi_ok) {
    fprintf(stderr, "tsdiag-native: out of memory after starting pid %d; killing it\n", (int)pid);
    kill(pid, SIGKILL);
    close(fds[1]);
    close(fds[3]);
    free(c);
    return throw_napi(env);
  }
  c->inst = inst;
  c->pid = pid;
  c->open_pipes = 2;
  uv_pipe_init(loop, &c->out, 0);
  uv_pipe_init(loop, &c->err, 0);
  c->out.data = c->err.data = c;
  uv_pipe_open(&c->out, fds[1]);
  uv_pipe_open(&c->err, fds[3]);
  uv_read_start((uv_stream_t *)&c->out, on_alloc, on_read);
  uv_read_start((uv_stream_t *)&c->err, on_alloc, on_read);
  c->next = inst->children;
  inst->children = c;
  update_ref(inst);
  napi_value v;
  CHECK(napi_create_int32(env, pid, &v));
  return v;

fail:
  close_all(fds, 5);
  free(exe);
  free_strings(args);
  free_strings(envp);
  const char *detail = strcmp(syscall, "spawn") == 0 ? file : strcmp(syscall, "pipe") == 0 ? NULL : ns_path;
  return throw_errno(env, syscall, err, detail);
}

static napi_value js_kill(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  uint32_t pid, sig;
  if (!get_uint(env, argv[0], 1, INT32_MAX, "pid must be a positive integer", &pid)) return NULL;
  if (!get_uint(env, argv[1], 0, 64, "signal must be a signal number", &sig)) return NULL;
  instance *inst = NULL;
  bool sent = false;
  if (napi_get_instance_data(env, (void **)&inst) == napi_ok && inst) {
    for (child *c = inst->children; c; c = c->next) {
      // a reaped pid may already belong to another process
      if (c->pid == (pid_t)pid && !c->reaped) sent = kill(c->pid, (int)sig) == 0;
    }
  }
  napi_value v;
  CHECK(napi_get_boolean(env, sent, &v));
  return v;
}

bool register_spawn(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"spawn", NULL, js_spawn, NULL, NULL, NULL, napi_enumerable, NULL},
      {"kill", NULL, js_kill, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
