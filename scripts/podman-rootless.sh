# Sourced by scripts/podman-engine --rootless: a rootless Podman (Debian 12's
# podman 4.3 as user tsdiag-rootless, slirp4netns, netavark in the user's
# rootless network namespace), its API service run as that user inside a
# network namespace of its own (tsdiag-podrlhost) that plays the machine the
# user is on; the machine's own namespace is left as it was.
#
# What rootless needs and this machine lacks is made beside it, not changed:
# the user and its /etc/subuid, /etc/subgid ranges (useradd writes them), its
# /run/user/UID, and a 0666 node of /dev/net/tun (here 0600, root's only)
# bind-mounted over /dev/net/tun in a mount namespace private to the service:
# slirp4netns opens it as the user.

readonly RL_USER=tsdiag-rootless
readonly RL_NETNS=tsdiag-podrlhost
readonly RL_NETNS_PATH=/run/netns/$RL_NETNS
readonly RL_TUN=/run/tsdiag-rootless.tun
readonly RL_PIDFILE=/run/tsdiag-podman-rootless.pid
readonly RL_LOG=/var/log/tsdiag-podman-rootless.log
readonly RL_ENV_PREFIX=TSDIAG_PODMAN_ROOTLESS

rl_say() { echo "podman-engine[rootless]: $*" >&2; }
rl_die() { rl_say "$*"; exit 1; }
rl_uid() { id -u "$RL_USER" 2>/dev/null; }
rl_runtime_dir() { echo "/run/user/$(rl_uid)"; }
rl_socket() { echo "$(rl_runtime_dir)/podman/podman.sock"; }
rl_url() { echo "unix://$(rl_socket)"; }

# CMD as the user, in the service's network namespace, with the 0666 tun node
rl_as_user() {
  local uid
  uid=$(rl_uid)
  unshare --mount --propagation slave -- bash -c 'mount --bind "$1" /dev/net/tun && shift && exec "$@"' bash "$RL_TUN" \
    nsenter --net="$RL_NETNS_PATH" -- setpriv --reuid="$uid" --regid="$uid" --init-groups \
    env -i HOME="/home/$RL_USER" USER="$RL_USER" XDG_RUNTIME_DIR="/run/user/$uid" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    CONTAINERS_CONF="/home/$RL_USER/.config/containers/containers.conf" "$@"
}
rl_podman_local() { rl_as_user "$PODMAN" --storage-driver vfs "$@"; }
rl_api_answers() { [ -S "$(rl_socket)" ] && timeout 5 "$PODMAN" --url "$(rl_url)" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

rl_prepare() {
  install_missing_packages
  local need=()
  command -v newuidmap >/dev/null || need+=(uidmap)
  command -v slirp4netns >/dev/null || need+=(slirp4netns)
  if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || rl_die "apt-get install ${need[*]} failed"
  fi
  if [ -z "$(rl_uid)" ]; then
    rl_say "adding user $RL_USER (with subordinate uid/gid ranges)"
    useradd --create-home --shell /usr/sbin/nologin "$RL_USER"
  fi
  grep -q "^$RL_USER:" /etc/subuid && grep -q "^$RL_USER:" /etc/subgid || rl_die "$RL_USER has no range in /etc/subuid or /etc/subgid"
  local uid
  uid=$(rl_uid)
  install -d -m 700 -o "$RL_USER" -g "$RL_USER" "/run/user/$uid" "/run/user/$uid/podman"
  install -d -m 755 -o "$RL_USER" -g "$RL_USER" "/home/$RL_USER/.config" "/home/$RL_USER/.config/containers"
  printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' \
    >"/home/$RL_USER/.config/containers/containers.conf"
  [ -c "$RL_TUN" ] || mknod -m 666 "$RL_TUN" c 10 200
  [ -e "$RL_NETNS_PATH" ] || ip netns add "$RL_NETNS"
  ip -n "$RL_NETNS" link set lo up
}

rl_import_image() {
  "$PODMAN" --url "$(rl_url)" image exists "$IMAGE" 2>/dev/null && return 0
  rl_say "importing $IMAGE from /bin/busybox"
  local root applet
  root=$(mktemp -d)
  chmod 755 "$root"
  mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/var/www"
  cp /bin/busybox "$root/bin/"
  for applet in "${APPLETS[@]}"; do ln -s busybox "$root/bin/$applet"; done
  tar -C "$root" -c . | "$PODMAN" --url "$(rl_url)" import - "$IMAGE" >/dev/null
  rm -rf "$root"
}

rl_up() {
  require_root
  rl_prepare
  if rl_api_answers; then
    rl_say "service already running (pid $(cat "$RL_PIDFILE" 2>/dev/null))"
  else
    echo "=== $(date -u +%FT%TZ) podman-engine --rootless up" >>"$RL_LOG"
    rm -f "$(rl_socket)"
    setsid bash -c "$(declare -f rl_as_user rl_uid); $(declare -p RL_USER RL_TUN RL_NETNS_PATH); rl_as_user \"\$@\"" bash \
      "$PODMAN" --storage-driver vfs system service --time=0 "$(rl_url)" </dev/null >>"$RL_LOG" 2>&1 &
    echo $! >"$RL_PIDFILE"
    local deadline=$((SECONDS + START_TIMEOUT_S))
    until rl_api_answers; do
      alive "$(cat "$RL_PIDFILE")" || { tail -n 20 "$RL_LOG" >&2 || true; rl_die "podman system service exited during start (log: $RL_LOG)"; }
      [ "$SECONDS" -lt "$deadline" ] || rl_die "the API did not answer within ${START_TIMEOUT_S}s (log: $RL_LOG)"
      sleep 0.5
    done
  fi
  rl_import_image
  rl_say "up: $(rl_url) (user $RL_USER, uid $(rl_uid)) in netns $RL_NETNS"
}

rl_down() {
  require_root
  if [ -n "$(rl_uid)" ] && [ -e "$RL_NETNS_PATH" ]; then
    rl_podman_local rm -af -t 0 >/dev/null 2>&1 || true
    rl_podman_local network prune -f >/dev/null 2>&1 || true
  fi
  stop_pid "$(cat "$RL_PIDFILE" 2>/dev/null || true)"
  rm -f "$RL_PIDFILE"
  if [ -n "$(rl_uid)" ]; then
    # the user's pause process holds its user namespace (and the rootless netns' slirp4netns) past the service
    stop_pid "$(cat "$(rl_runtime_dir)/libpod/tmp/pause.pid" 2>/dev/null || true)"
    rm -f "$(rl_socket)"
  fi
  [ -e "$RL_NETNS_PATH" ] && ip netns del "$RL_NETNS"
  rl_say "down (user $RL_USER and its storage kept: userdel -r $RL_USER removes them)"
}

rl_status() {
  echo "netns:   $([ -e "$RL_NETNS_PATH" ] && echo "$RL_NETNS" || echo absent)"
  echo "user:    $([ -n "$(rl_uid)" ] && echo "$RL_USER (uid $(rl_uid))" || echo absent)"
  if [ -n "$(rl_uid)" ] && rl_api_answers; then
    echo "api:     $(rl_url) (server $("$PODMAN" --url "$(rl_url)" version --format '{{.Server.Version}}'), rootless)"
    echo "containers running: $("$PODMAN" --url "$(rl_url)" ps -q | wc -l)"
    return 0
  fi
  echo "api:     not answering"
  return 3
}

rl_env() {
  [ -n "$(rl_uid)" ] || rl_die "no user $RL_USER (scripts/podman-engine --rootless up)"
  echo "${RL_ENV_PREFIX}_HOST=$(rl_url)"
  echo "${RL_ENV_PREFIX}_NETNS=$RL_NETNS"
}

rootless_main() {
  case "${1:-}" in
    up) rl_up ;;
    down) rl_down ;;
    status) rl_status ;;
    env) rl_env ;;
    podman) shift; require_root; rl_podman_local "$@" ;;
    *) echo "usage: scripts/podman-engine --rootless up|down|status|env|podman ARGS..." >&2; exit 2 ;;
  esac
}
