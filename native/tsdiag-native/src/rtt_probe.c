// Round-trip times for tsdiag perf, taken the way ping takes them: the send
// time read just before the packet is handed to the kernel, the receive time
// the kernel's own stamp of the reply's arrival (SO_TIMESTAMPNS), so neither
// Node's event loop nor this thread's wake-up is in the figure.
//
//   rttProbe(kind, address, port, magic, count, warmUp, intervalMs, timeoutMs)
//       -> Promise<{ samples: number[] (ms), errors: string[] }>
//   kind 'icmp'        echo requests from a raw ICMP socket (a ping socket
//                      where raw is refused), 56 bytes of data as ping sends;
//                      to an IPv6 address ICMPv6 echo (the kernel sums it on
//                      both kinds of socket; net.ipv4.ping_group_range governs
//                      the IPv6 ping socket too)
//   address            IPv4 or IPv6: the sockets are of its family (perfIpv6: true
//                      says this build's tcpSend and rttProbe take IPv6)
//   kind 'udp-echo'    a 64-byte datagram (magic, sequence; big-endian) to
//                      port, the time until it comes back; the echo server's
//                      own wake-up is in the figure (it is the peer's)
//   kind 'tcp-connect' a handshake: tcpi_rtt of TCP_INFO right after connect,
//                      the RTT the kernel measured from SYN out to SYN-ACK in;
//                      then a FIN, the socket kept open until the peer's FIN
//                      (or the end of the run) so no service sees a reset
//   warmUp probes first, not counted (the first ARP lookup); one probe at a
//   time, intervalMs between them; a probe unanswered in timeoutMs is an error.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "napi_util.h"
#include "perf_job.h"

#define MAX_PROBES 10000
#define ICMP_DATA 56
#define UDP_ECHO_SIZE 64
#define LINGER_MS 200

typedef enum { K_ICMP, K_UDP_ECHO, K_TCP_CONNECT } probe_kind;

typedef struct {
  perf_job job;
  probe_kind kind;
  perf_peer to;
  char where[PERF_WHERE_LEN];
  uint32_t magic, count, warm_up, interval_ms, timeout_ms;
  int fd;           // icmp, udp-echo: the one socket every probe uses
  bool raw;         // icmp: a raw socket (else a ping socket: no IP header, the kernel sets the id)
  uint16_t ident;
  uint16_t seq;     // the probe in flight
  int closing[64];  // tcp-connect: sockets waiting for the peer's FIN
  int n_closing;
  uint32_t n_samples;
  double samples[];
} probe_job;

static int64_t stamp_of(struct msghdr *msg) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
      struct timespec ts;
      memcpy(&ts, CMSG_DATA(c), sizeof ts);
      return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
  }
  return real_ns();  // no stamp (should not happen): when we read it
}

/** Waits for a datagram for which match() is true, until deadline (monotonic ms); its kernel stamp, or -1. */
typedef bool (*reply_match)(probe_job *, const uint8_t *, ssize_t, const struct sockaddr_storage *);

static int64_t await_reply(probe_job *j, double deadline, reply_match match) {
  uint8_t buf[1024];
  char control[CMSG_SPACE(sizeof(struct timespec)) + 64];
  for (;;) {
    struct sockaddr_storage from;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr msg = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t r = recvmsg(j->fd, &msg, MSG_DONTWAIT);
    if (r >= 0) {
      if (match(j, buf, r, &from)) return stamp_of(&msg);
      continue;
    }
    if (errno != EAGAIN && errno != EINTR) {
      perf_job_error(&j->job, "recvmsg", errno, j->where);
      return -1;
    }
    int left = (int)(deadline - mono_ms());
    if (left <= 0) return -1;
    struct pollfd p = {j->fd, POLLIN, 0};
    poll(&p, 1, left);
  }
}

static uint16_t checksum(const uint8_t *p, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (len & 1) sum += (uint32_t)p[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons((uint16_t)~sum);
}

static bool icmp_match(probe_job *j, const uint8_t *buf, ssize_t len, const struct sockaddr_storage *from) {
  (void)from;
  size_t off = 0;
  if (j->raw) {
    if (len < (ssize_t)sizeof(struct iphdr)) return false;
    const struct iphdr *ip = (const struct iphdr *)buf;
    off = (size_t)ip->ihl * 4;
    if (ip->saddr != j->to.sa.v4.sin_addr.s_addr) return false;
  }
  if (len < (ssize_t)(off + sizeof(struct icmphdr))) return false;
  struct icmphdr h;
  memcpy(&h, buf + off, sizeof h);
  // a raw socket sees every ICMP message that comes in, another ping's replies too
  return h.type == ICMP_ECHOREPLY && ntohs(h.un.echo.sequence) == j->seq && (!j->raw || ntohs(h.un.echo.id) == j->ident);
}

/** ICMPv6: no IP header on either socket; a raw one is told the sender by recvmsg and filtered to echo replies (ICMP6_FILTER). */
static bool icmp6_match(probe_job *j, const uint8_t *buf, ssize_t len, const struct sockaddr_storage *from) {
  if (len < (ssize_t)sizeof(struct icmp6_hdr)) return false;
  if (j->raw && (from->ss_family != AF_INET6 ||
                 memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr, &j->to.sa.v6.sin6_addr, sizeof(struct in6_addr)) != 0)) return false;
  struct icmp6_hdr h;
  memcpy(&h, buf, sizeof h);
  return h.icmp6_type == ICMP6_ECHO_REPLY && ntohs(h.icmp6_seq) == j->seq && (!j->raw || ntohs(h.icmp6_id) == j->ident);
}

static bool udp_match(probe_job *j, const uint8_t *buf, ssize_t len, const struct sockaddr_storage *from) {
  (void)from;
  uint32_t magic, seq;
  if (len < 8) return false;
  memcpy(&magic, buf, 4);
  memcpy(&seq, buf + 4, 4);
  return ntohl(magic) == j->magic && ntohl(seq) == j->seq;
}

/** One echo out and back: the RTT in ms, or -1 (the error recorded). */
static double echo_once(probe_job *j, uint16_t seq) {
  uint8_t pkt[sizeof(struct icmphdr) + ICMP_DATA];
  size_t len;
  j->seq = seq;
  if (j->kind == K_ICMP && j->to.family == AF_INET6) {
    // the checksum covers a pseudo-header with the source address: the kernel fills it in (RFC 3542, on ping sockets too)
    struct icmp6_hdr h = {.icmp6_type = ICMP6_ECHO_REQUEST, .icmp6_code = 0};
    h.icmp6_id = htons(j->ident);
    h.icmp6_seq = htons(seq);
    memset(pkt, 0, sizeof pkt);
    memcpy(pkt, &h, sizeof h);
    for (size_t i = sizeof h; i < sizeof pkt; i++) pkt[i] = (uint8_t)i;
    len = sizeof pkt;
  } else if (j->kind == K_ICMP) {
    struct icmphdr h = {.type = ICMP_ECHO, .code = 0};
    h.un.echo.id = htons(j->ident);
    h.un.echo.sequence = htons(seq);
    memset(pkt, 0, sizeof pkt);
    memcpy(pkt, &h, sizeof h);
    for (size_t i = sizeof h; i < sizeof pkt; i++) pkt[i] = (uint8_t)i;
    uint16_t sum = checksum(pkt, sizeof pkt);
    memcpy(pkt + offsetof(struct icmphdr, checksum), &sum, 2);
    len = sizeof pkt;
  } else {
    uint32_t be[2] = {htonl(j->magic), htonl(seq)};
    memset(pkt, 0, UDP_ECHO_SIZE);
    memcpy(pkt, be, sizeof be);
    len = UDP_ECHO_SIZE;
  }
  double deadline = mono_ms() + j->timeout_ms;
  int64_t sent = real_ns();
  if (sendto(j->fd, pkt, len, 0, &j->to.sa.sa, j->to.len) < 0) {
    perf_job_error(&j->job, "sendto", errno, j->where);
    return -1;
  }
  reply_match match = j->kind != K_ICMP ? udp_match : j->to.family == AF_INET6 ? icmp6_match : icmp_match;
  int64_t got = await_reply(j, deadline, match);
  if (got < 0) {
    char text[128];
    snprintf(text, sizeof text, "no %s from %s in %u ms", j->kind == K_ICMP ? "ICMP echo reply" : "echo", j->where, j->timeout_ms);
    perf_job_error(&j->job, text, 0, NULL);
    return -1;
  }
  return (double)(got - sent) / 1e6;
}

/** Reads and drops what the closing sockets got; closes those at EOF (or all, with force). */
static void reap_closing(probe_job *j, bool force) {
  char drop[4096];
  int kept = 0;
  for (int i = 0; i < j->n_closing; i++) {
    int fd = j->closing[i];
    ssize_t r;
    while ((r = recv(fd, drop, sizeof drop, MSG_DONTWAIT)) > 0) {}
    if (force || r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) close(fd);
    else j->closing[kept++] = fd;
  }
  j->n_closing = kept;
}

/** ms pass while the closing sockets are served */
static void pause_ms(probe_job *j, double ms) {
  double until = mono_ms() + ms;
  for (double left = ms; left > 0; left = until - mono_ms()) {
    struct pollfd p[64];
    for (int i = 0; i < j->n_closing; i++) p[i] = (struct pollfd){j->closing[i], POLLIN, 0};
    if (poll(p, (nfds_t)j->n_closing, (int)left + 1) > 0) reap_closing(j, false);
  }
}

static double connect_once(probe_job *j) {
  if (j->n_closing == (int)(sizeof j->closing / sizeof j->closing[0])) reap_closing(j, true);
  int fd = socket(j->to.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perf_job_error(&j->job, "socket", errno, NULL);
    return -1;
  }
  double t0 = mono_ms();
  int err = 0;
  if (connect(fd, &j->to.sa.sa, j->to.len) != 0) {
    if (errno != EINPROGRESS) err = errno;
    struct pollfd p = {fd, POLLOUT, 0};
    if (!err && poll(&p, 1, (int)j->timeout_ms) != 1) err = ETIMEDOUT;
    socklen_t len = sizeof err;
    if (!err) getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
  }
  double wall = mono_ms() - t0;
  if (err) {
    perf_job_error(&j->job, "connect", err, j->where);
    close(fd);
    return -1;
  }
  struct tcp_info ti;
  socklen_t len = sizeof ti;
  memset(&ti, 0, sizeof ti);
  double ms = getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_rtt ? ti.tcpi_rtt / 1000.0 : wall;
  shutdown(fd, SHUT_WR);
  j->closing[j->n_closing++] = fd;
  return ms;
}

static void run_probe(perf_job *job) {
  probe_job *j = (probe_job *)job;
  j->fd = -1;
  if (j->kind == K_ICMP) {
    int proto = j->to.family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
    j->raw = true;
    j->fd = socket(j->to.family, SOCK_RAW | SOCK_CLOEXEC, proto);
    if (j->fd < 0 && (errno == EPERM || errno == EACCES)) {
      j->raw = false;
      j->fd = socket(j->to.family, SOCK_DGRAM | SOCK_CLOEXEC, proto);
    }
    if (j->fd >= 0 && j->raw && j->to.family == AF_INET6) {
      // a raw ICMPv6 socket gets every ICMPv6 message (neighbour discovery too): only echo replies are wanted
      struct icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
      setsockopt(j->fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    }
  } else if (j->kind == K_UDP_ECHO) {
    j->fd = socket(j->to.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  }
  if (j->kind != K_TCP_CONNECT) {
    int one = 1;
    if (j->fd < 0 || setsockopt(j->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) {
      job->fail_err = errno;
      job->fail_syscall = j->fd < 0 ? "socket" : "setsockopt";
      if (j->fd >= 0) close(j->fd);
      return;
    }
  }
  uint16_t seq = 0;
  for (uint32_t i = 0; i < j->warm_up + j->count; i++) {
    double ms = j->kind == K_TCP_CONNECT ? connect_once(j) : echo_once(j, ++seq);
    if (ms >= 0 && i >= j->warm_up) j->samples[j->n_samples++] = ms;
    if (i + 1 < j->warm_up + j->count) pause_ms(j, j->interval_ms);
  }
  if (j->n_closing) {
    pause_ms(j, LINGER_MS);
    reap_closing(j, true);
  }
  if (j->fd >= 0) close(j->fd);
}

static napi_value probe_result(napi_env env, perf_job *job) {
  probe_job *j = (probe_job *)job;
  return perf_job_figures(env, job, "samples", j->samples, j->n_samples);
}

static napi_value js_rtt_probe(napi_env env, napi_callback_info info) {
  napi_value argv[8];
  if (!get_args(env, info, 8, argv)) return NULL;
  char kind[16];
  probe_kind k;
  uint32_t port, magic, count, warm_up, interval_ms, timeout_ms;
  if (!get_cstring(env, argv[0], kind, sizeof kind, "kind must be icmp, udp-echo or tcp-connect")) return NULL;
  if (strcmp(kind, "icmp") == 0) k = K_ICMP;
  else if (strcmp(kind, "udp-echo") == 0) k = K_UDP_ECHO;
  else if (strcmp(kind, "tcp-connect") == 0) k = K_TCP_CONNECT;
  else return throw_type(env, "kind must be icmp, udp-echo or tcp-connect");
  if (!get_uint(env, argv[2], k == K_ICMP ? 0 : 1, 65535, "port must be an integer in 1..65535", &port) ||
      !get_uint(env, argv[3], 0, UINT32_MAX, "magic must be a uint32", &magic) ||
      !get_uint(env, argv[4], 1, MAX_PROBES, "count must be an integer in 1..10000", &count) ||
      !get_uint(env, argv[5], 0, 100, "warmUp must be an integer in 0..100", &warm_up) ||
      !get_uint(env, argv[6], 0, 60000, "intervalMs must be an integer in 0..60000", &interval_ms) ||
      !get_uint(env, argv[7], 1, 60000, "timeoutMs must be an integer in 1..60000", &timeout_ms)) return NULL;
  probe_job *j = calloc(1, sizeof *j + count * sizeof(double));
  if (!j) return throw_errno(env, "rttProbe", ENOMEM, NULL);
  // ICMP has no port: 0, and the error texts name the address alone
  if (!perf_get_peer(env, argv[1], k == K_ICMP ? 0 : port, &j->to, j->where, sizeof j->where)) {
    free(j);
    return NULL;
  }
  j->kind = k;
  j->magic = magic;
  j->count = count;
  j->warm_up = warm_up;
  j->interval_ms = interval_ms;
  j->timeout_ms = timeout_ms;
  j->ident = (uint16_t)((getpid() ^ (uint32_t)(real_ns() >> 10)) & 0xffff);
  j->job.run = run_probe;
  j->job.result = probe_result;
  return perf_job_start(env, &j->job, "tsdiag.rttProbe");
}

bool register_rtt_probe(napi_env env, napi_value exports) {
  // an older build's perf calls take IPv4 alone: the generator asks for this before it hands them an IPv6 address
  napi_value ipv6;
  if (napi_get_boolean(env, true, &ipv6) != napi_ok) return false;
  napi_property_descriptor props[] = {
      {"rttProbe", NULL, js_rtt_probe, NULL, NULL, NULL, napi_enumerable, NULL},
      {"perfIpv6", NULL, NULL, NULL, NULL, ipv6, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof props / sizeof props[0], props) == napi_ok;
}
