#!/usr/bin/env bash
# Installs everything zkmigrate needs to build, test and demo on Debian 12.
# Safe to run again; uses sudo when not root.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
PKGS=(
  build-essential cmake g++ pkg-config git clang-format
  libpoco-dev libssl-dev rapidjson-dev zlib1g-dev libsnappy-dev libgtest-dev
  zookeeper default-jre-headless python3 python3-kazoo
  openssl procps iproute2 file
  ansible-core ansible-lint libzookeeper-mt-dev yamllint
  clang libclang-rt-14-dev llvm
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's zookeeper package may start a system service on 2181; tests use their
# own loopback addresses, but stop it so nothing else answers there.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet zookeeper 2>/dev/null; then
  $SUDO systemctl stop zookeeper || true
fi

# ZooKeeper 3.4.13 (Debian 11, bullseye) and 3.9.3 (Debian 13, trixie) for the version tests
# (tests/lib/zkharness.py version="3.4"/"3.9"). Only their jars are needed: apt-get download through a
# private apt configuration (its own sources list, lists and cache), then dpkg-deb -x into
# /var/cache/zkmigrate/zookeeper-<version>/. Nothing is installed and the system's apt state is not
# touched; a version already extracted is skipped.
ZK_CACHE="${ZKM_ZK_CACHE:-/var/cache/zkmigrate}"
ZK_EXTRA=("3.4.13:bullseye" "3.9.3:trixie")

# The archive URI of the system's own Debian sources (deb822 .sources or one-line sources.list).
debian_archive_uri() {
  local f uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    uri=$(awk 'BEGIN{RS="";FS="\n"}
      /(^|\n)Suites:[^\n]*(bookworm|bullseye|trixie)([ \t]|\n|$)/ && !/-security/ {
        for (i = 1; i <= NF; i++) if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); split($i, u, /[ \t]+/); print u[1]; exit } }' "$f")
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -r "$f" ] || continue
      uri=$(awk '$1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
                 if ($(i+1) !~ /security/) { print $i; exit } }' "$f")
      [ -n "$uri" ] && break
    done
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

need_zk=()
for entry in "${ZK_EXTRA[@]}"; do
  [ -f "$ZK_CACHE/zookeeper-${entry%%:*}/.complete" ] || need_zk+=("$entry")
done
if [ "${#need_zk[@]}" -gt 0 ]; then
  $SUDO mkdir -p "$ZK_CACHE"
  apt_dir=$(mktemp -d /tmp/zkm-apt.XXXXXX)
  trap 'rm -rf "$apt_dir"' EXIT
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d" \
    "$apt_dir/preferences.d" "$apt_dir/debs"
  chmod 755 "$apt_dir" "$apt_dir/debs"
  uri=$(debian_archive_uri)
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  for entry in "${need_zk[@]}"; do
    echo "deb [signed-by=$keyring] $uri ${entry#*:} main" >>"$apt_dir/sources.list"
  done
  APT_PRIVATE=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
    -o "Dir::Etc::preferencesparts=$apt_dir/preferences.d" -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache" -o "APT::Sandbox::User=root")
  echo "fetching ZooKeeper ${need_zk[*]} from $uri (private apt lists in $apt_dir)"
  apt-get "${APT_PRIVATE[@]}" -qq update
  for entry in "${need_zk[@]}"; do
    ver=${entry%%:*}
    # the Debian revision (e.g. 3.4.13-6+deb11u1) as the private lists have it
    full=$(apt-cache "${APT_PRIVATE[@]}" madison libzookeeper-java |
      awk -F'|' -v v="$ver" '{ gsub(/ /, "", $2) } index($2, v "-") == 1 { print $2; exit }')
    if [ -z "$full" ]; then
      echo "libzookeeper-java $ver is not in suite ${entry#*:} of $uri" >&2
      exit 1
    fi
    (cd "$apt_dir/debs" && apt-get "${APT_PRIVATE[@]}" -qq download "libzookeeper-java=$full")
    dest="$ZK_CACHE/zookeeper-$ver"
    $SUDO rm -rf "$dest.partial"
    $SUDO mkdir -p "$dest.partial"
    $SUDO dpkg-deb -x "$apt_dir/debs/libzookeeper-java_${full/:/%3a}_all.deb" "$dest.partial"
    echo "$full" | $SUDO tee "$dest.partial/.complete" >/dev/null
    $SUDO rm -rf "$dest"
    $SUDO mv "$dest.partial" "$dest"
    echo "ZooKeeper $full in $dest"
  done
fi
