#!/bin/sh
# Claims the VIP for this node: duplicate address detection first, then the address on
# $VIP_INTERFACE, then gratuitous ARP so that neighbours (the router) move their ARP entry now
# rather than when it ages out (27-51 s measured without it, 30 ms with it).
#
#   VIP_ADDRESS               the address (IPv4; an optional /prefix is ignored: it is held as /32)
#   VIP_INTERFACE             the node interface on the clients' L2 segment
#   VIP_DAD_TIMEOUT_SECONDS   how long to wait for the address to be free (default 10)
#
# Exit 0 when the address is held here; non-zero when it stays in use elsewhere after the wait
# (a pod that died without its preStop, e.g. on a partitioned node, may still hold it: this
# script must never create a duplicate). POSIX sh; works with busybox's and Debian's
# (iputils-arping, iproute2) `arping` and `ip`.
set -eu

: "${VIP_ADDRESS:?VIP_ADDRESS is required}"
: "${VIP_INTERFACE:?VIP_INTERFACE is required}"
timeout="${VIP_DAD_TIMEOUT_SECONDS:-10}"
address="${VIP_ADDRESS%/*}"

log() { echo "vip-claim: $*" >&2; }

held_here() {
    ip -o addr show dev "$VIP_INTERFACE" | grep -qF "inet $address/"
}

announce() {
    # Unsolicited ARP requests for the address, from it (-U); both arpings exit 0 here.
    arping -U -c 3 -I "$VIP_INTERFACE" "$address" >/dev/null 2>&1 || log "gratuitous ARP failed (address held anyway)"
}

# In DAD mode (-D) both arpings send probes from 0.0.0.0 and exit 0 only when nobody answered.
address_free() {
    arping -D -q -c 2 -w 3 -I "$VIP_INTERFACE" "$address" >/dev/null 2>&1
}

if held_here; then
    log "$address already on $VIP_INTERFACE"
    announce
    exit 0
fi

start=$(date +%s)
while :; do
    if address_free; then
        ip addr add "$address/32" dev "$VIP_INTERFACE"
        log "$address added to $VIP_INTERFACE"
        announce
        exit 0
    fi
    now=$(date +%s)
    if [ $((now - start)) -ge "$timeout" ]; then
        log "$address is still answered by another host after ${timeout}s; not adding it"
        exit 1
    fi
    log "$address in use elsewhere; retrying"
    sleep 1
done
