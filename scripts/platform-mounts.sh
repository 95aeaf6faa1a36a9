# shellcheck shell=bash
# Sourced by scripts/platform-root.sh and scripts/platform-check.sh, which run
# in mount and pid namespaces of their own (unshare): the mounts into the
# Debian 13 root, remembered and unmounted in reverse order when the script
# exits (the namespace would drop them anyway; the trap makes it explicit).

platform_mounts=()

platform_unmount_all() {
    local i
    for ((i = ${#platform_mounts[@]} - 1; i >= 0; i--)); do
        umount -l "${platform_mounts[$i]}" 2>/dev/null || true
    done
}
trap platform_unmount_all EXIT

# platform_mount ARGS... TARGET: mount(8) with ARGS, remembered for the exit.
platform_mount() {
    mount "$@" && platform_mounts+=("${!#}")
}

# ROOT: what a chroot needs to run Wine and apt: /proc, /sys, /dev, /dev/pts.
platform_mount_system() {
    local root=$1 m
    platform_mount -t proc proc "$root/proc"
    for m in sys dev dev/pts; do
        platform_mount --rbind "/$m" "$root/$m"
    done
}
