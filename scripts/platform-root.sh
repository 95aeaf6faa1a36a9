#!/usr/bin/env bash
# Builds the second platform's root: Debian 13 (trixie) with Wine 10 (64-bit
# and 32-bit, wine32:i386), mingw-w64 GCC 14 for x86_64 and i686, and what the
# scenarios need (the set of scripts/install-deps.sh), under
# build/platform/trixie. `make platform-check` runs the suite inside it
# (scripts/platform-check.sh).
#
#   PLATFORM_ROOT    the root's directory (default: build/platform/trixie)
#   PLATFORM_MIRROR  the Debian mirror (default: the first Debian URIs: of the
#                    host's apt sources, else http://deb.debian.org/debian)
#
# Needs root: debootstrap, chroot and mounts. The root is built once and
# reused until its inputs change, in two steps with a stamp each:
#   base      debootstrap; redone from an empty directory when the suite, the
#             mirror or the base packages change ($root/.wst-base);
#   packages  apt sources, i386, the package list; redone in the existing
#             root when this script changes ($root/.wst-packages holds the
#             script's hash). apt-get install only adds: a package taken off
#             the list stays until the base is rebuilt (rm -rf the root).
# Every mount lives in a mount namespace of its own and every process in a
# pid namespace of its own (unshare --mount --pid --kill-child), so both die
# with the script even when it is killed; a trap also unmounts.
set -euo pipefail
cd "$(dirname "$0")/.."

root=${PLATFORM_ROOT:-build/platform/trixie}
suite=trixie

host_mirror() {
    local uri
    uri=$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources \
        2>/dev/null | head -n1 || true)
    echo "${uri:-http://deb.debian.org/debian}"
}
mirror=${PLATFORM_MIRROR:-$(host_mirror)}

base_pkgs=(ca-certificates)
# What the suite needs inside, as scripts/install-deps.sh installs it on a
# Debian 12 host, and wine32:i386. Left out: clang and libFuzzer (make fuzz
# and native-check are not part of the platform check). git: make dist takes
# the commit time and the file list from it; xz-utils: the source packages'
# tarballs; util-linux: setarch (scripts/wine-run.sh); procps: ps; gcc and
# libc6-dev: unit-check compiles the platform-free parsers natively too.
pkgs=(wine wine64 wine32:i386
    gcc-mingw-w64-x86-64 gcc-mingw-w64-i686 g++-mingw-w64-x86-64 g++-mingw-w64-i686
    gcc libc6-dev
    python3 make zip unzip git xz-utils prometheus dpkg-dev lcov cmake procps util-linux)

base_stamp="$root/.wst-base"
pkg_stamp="$root/.wst-packages"
base_want=$(echo "$suite $mirror ${base_pkgs[*]}" | sha256sum | cut -d' ' -f1)
pkg_want=$( (cat "$0"; echo "$mirror") | sha256sum | cut -d' ' -f1)

if [ "$(cat "$base_stamp" 2>/dev/null)" = "$base_want" ] &&
    [ "$(cat "$pkg_stamp" 2>/dev/null)" = "$pkg_want" ]; then
    echo "platform-root: $root is up to date" >&2
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "platform-root: building $root needs root (debootstrap, chroot, mounts)" >&2
    exit 1
fi
# debootstrap is a Debian 12 package; installed here, as scripts/install-deps.sh
# installs the host's tools, so that nothing depends on an earlier session.
if ! command -v debootstrap >/dev/null; then
    echo "platform-root: installing debootstrap (apt-get)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        --no-install-recommends debootstrap >/dev/null
fi

# In mount and pid namespaces of its own: nothing mounted here is seen
# outside, and all of it goes when the script ends.
if [ -z "${WST_PLATFORM_NS:-}" ]; then
    export WST_PLATFORM_NS=1
    exec unshare --mount --pid --fork --kill-child --propagation private "$0" "$@"
fi

. scripts/platform-mounts.sh

abs_root=$(realpath -m "$root")
# Never delete or build through a mount another process left there.
if findmnt -rno TARGET | grep -q "^$abs_root/"; then
    echo "platform-root: something is mounted under $root; not touching it" >&2
    exit 1
fi

t0=$(date +%s)
if [ "$(cat "$base_stamp" 2>/dev/null)" != "$base_want" ]; then
    echo "platform-root: debootstrap $suite from $mirror into $root" >&2
    rm -rf "$root"
    mkdir -p "$root"
    debootstrap --variant=minbase --include="$(
        IFS=,
        echo "${base_pkgs[*]}"
    )" "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
        tail -n 30 "$root.debootstrap.log" >&2
        exit 1
    }
    echo "$base_want" >"$base_stamp"
    rm -f "$pkg_stamp"
    echo "platform-root: debootstrap took $(($(date +%s) - t0)) s" >&2
fi
t1=$(date +%s)

platform_mount_system "$root"

# deb and deb-src of one mirror (deb-src: the source packages of
# scripts/fetch-debian-source.sh: CMocka and zlib).
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb deb-src
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root "$@"
}
echo "platform-root: installing ${pkgs[*]}" >&2
in_root dpkg --add-architecture i386
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "${pkgs[@]}" \
    >"$root.install.log" 2>&1 || {
    tail -n 30 "$root.install.log" >&2
    exit 1
}
in_root apt-get clean
echo "platform-root: package install took $(($(date +%s) - t1)) s" >&2
in_root sh -c 'wine --version; x86_64-w64-mingw32-gcc --version | head -n1' >&2 || true
echo "$pkg_want" >"$pkg_stamp"
echo "platform-root: $root ready ($(($(date +%s) - t0)) s)" >&2
