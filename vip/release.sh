#!/bin/sh
# Releases the VIP (preStop hook of the entry controller, `interface` mode): removes the address
# so the next holder's duplicate address detection finds it free. Succeeds when it is not held.
#   VIP_ADDRESS, VIP_INTERFACE as for claim.sh
set -u

[ -n "${VIP_ADDRESS:-}" ] || { echo "release: VIP_ADDRESS is not set" >&2; exit 1; }
[ -n "${VIP_INTERFACE:-}" ] || { echo "release: VIP_INTERFACE is not set" >&2; exit 1; }

if ip addr show dev "$VIP_INTERFACE" 2>/dev/null | grep -q "inet $VIP_ADDRESS/"; then
    ip addr del "$VIP_ADDRESS/32" dev "$VIP_INTERFACE" || { echo "release: could not remove $VIP_ADDRESS" >&2; exit 1; }
    echo "release: $VIP_ADDRESS removed from $VIP_INTERFACE"
else
    echo "release: $VIP_ADDRESS not on $VIP_INTERFACE"
fi
