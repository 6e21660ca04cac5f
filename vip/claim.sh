#!/bin/sh
# Claims the VIP for this node (init container of the entry controller, `interface` mode).
# POSIX sh; uses only the `ip` and `arping` flags that iproute2/iputils and busybox both have.
#   VIP_ADDRESS              the address, e.g. 10.10.10.254 (held as a /32)
#   VIP_INTERFACE            the node interface to hold it on, e.g. eth0
#   VIP_DAD_TIMEOUT_SECONDS  how long to wait for a previous holder to let go (default 60)
# A pod that died without its preStop (OOM kill, node partition) leaves the address on its old
# node. Adding it here too would make two nodes answer ARP for it, so duplicate address detection
# (arping -D) runs first, repeated until nobody answers or the time is up: then exit 1 without
# adding anything, and the kubelet retries the init container with back-off.
set -u

fail() {
    echo "claim: $*" >&2
    exit 1
}

[ -n "${VIP_ADDRESS:-}" ] || fail "VIP_ADDRESS is not set"
[ -n "${VIP_INTERFACE:-}" ] || fail "VIP_INTERFACE is not set"
timeout="${VIP_DAD_TIMEOUT_SECONDS:-60}"
case "$timeout" in
    '' | *[!0-9]*) fail "VIP_DAD_TIMEOUT_SECONDS must be a whole number of seconds, got '$timeout'" ;;
esac
ip link show dev "$VIP_INTERFACE" >/dev/null 2>&1 || fail "no interface $VIP_INTERFACE"

held() {
    ip addr show dev "$VIP_INTERFACE" | grep -q "inet $VIP_ADDRESS/"
}

announce() {
    # Gratuitous ARP: neighbours (the router) replace the old holder's MAC at once instead of
    # waiting for their entry to age out (tens of seconds).
    arping -U -c 2 -I "$VIP_INTERFACE" "$VIP_ADDRESS" >/dev/null 2>&1 \
        || echo "claim: warning: gratuitous ARP for $VIP_ADDRESS failed" >&2
}

if held; then
    # The init container ran again on the node that holds the address: nothing to detect.
    echo "claim: $VIP_ADDRESS already on $VIP_INTERFACE"
    announce
    exit 0
fi

# Each arping -D waits up to 1 s for an answer; exit 0 means nobody answered.
start=$(date +%s)
until arping -D -q -c 1 -w 1 -I "$VIP_INTERFACE" "$VIP_ADDRESS" >/dev/null 2>&1; do
    if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
        fail "$VIP_ADDRESS is still answered by another host after ${timeout} s; not adding a duplicate"
    fi
    echo "claim: $VIP_ADDRESS answered by another host; waiting for it to let go" >&2
    sleep 1
done

ip addr add "$VIP_ADDRESS/32" dev "$VIP_INTERFACE" || fail "could not add $VIP_ADDRESS/32 to $VIP_INTERFACE"
announce
echo "claim: $VIP_ADDRESS on $VIP_INTERFACE"
