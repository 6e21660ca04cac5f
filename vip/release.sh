#!/bin/sh
# Releases the VIP from this node (the pod's preStop): removes $VIP_ADDRESS from $VIP_INTERFACE
# if it is there. Always exits 0 when the address is gone, whether or not it was held.
# Same environment as claim.sh; POSIX sh, busybox or iproute2 `ip`.
set -eu

: "${VIP_ADDRESS:?VIP_ADDRESS is required}"
: "${VIP_INTERFACE:?VIP_INTERFACE is required}"
address="${VIP_ADDRESS%/*}"

if ip -o addr show dev "$VIP_INTERFACE" | grep -qF "inet $address/"; then
    ip addr del "$address/32" dev "$VIP_INTERFACE"
    echo "vip-release: $address removed from $VIP_INTERFACE" >&2
fi
