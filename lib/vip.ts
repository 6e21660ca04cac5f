// What a VIP costs when a node fails, per mode, from the settings that decide it: the bound the
// `vip` output states and the failover lab holds measured outages against. Pure functions.
import { BfdSettings, VipSettings } from "../config";
import { BoundTerm, failoverBound, FailoverBound } from "./failoverBound";

export type ActiveVip = Exclude<VipSettings, { mode: "none" }>;

export const METALLB_NAMESPACE = "metallb-system";

/**
 * MetalLB chart 0.16.1 (2026-05-27, the latest release; FRR-K8s is its default BGP backend since
 * 0.16.0), whose values.yaml, frr-k8s subchart values and CRDs were checked.
 */
export const METALLB_CHART = { chart: "metallb", version: "0.16.1", repository: "https://metallb.github.io/metallb" } as const;

/** What MetalLB's pods bind on a node (they run on host networking), with the values path that enables them. */
export interface MetalLbHostPorts {
    pods: string;
    /** Where they run: the values path of their node selector. */
    nodeSelectorPath: string;
    ports: { port: number; protocol: "TCP" | "UDP"; what: string }[];
}

/**
 * MetalLB 0.16.1's pods on host networking (templates/speaker.yaml, frr-k8s 0.0.25's
 * controller.yaml), at the chart's default ports: the speaker (unless disabled) and, with
 * `frrk8s.enabled`, FRR-K8s, whose FRR holds the BGP sessions and BFD on the node itself.
 */
export function metalLbHostPorts(values: Record<string, any>): MetalLbHostPorts[] {
    const speaker: MetalLbHostPorts = {
        pods: "metallb speaker (DaemonSet, host network)", nodeSelectorPath: "speaker.nodeSelector",
        ports: [
            { port: 7946, protocol: "TCP", what: "memberlist (speaker.memberlist.mlBindPort)" },
            { port: 7946, protocol: "UDP", what: "memberlist" },
            { port: 9120, protocol: "TCP", what: "metrics (prometheus.metricsPort)" },
            { port: 17472, protocol: "TCP", what: "probes, on 127.0.0.1" },
        ],
    };
    const frrK8s: MetalLbHostPorts = {
        pods: "frr-k8s (DaemonSet, host network)", nodeSelectorPath: "frr-k8s.frrk8s.nodeSelector",
        ports: [
            { port: 179, protocol: "TCP", what: "BGP" },
            { port: 3784, protocol: "UDP", what: "BFD control" },
            { port: 3785, protocol: "UDP", what: "BFD echo" },
            { port: 7572, protocol: "TCP", what: "health" },
            { port: 9140, protocol: "TCP", what: "metrics (prometheus.secureMetricsPort)" },
            { port: 9141, protocol: "TCP", what: "FRR metrics (frrk8s.frr.secureMetricsPort)" },
        ],
    };
    return [...(values.speaker?.enabled === false ? [] : [speaker]), ...(values.frrk8s?.enabled === true ? [frrK8s] : [])];
}

/** Whether the program installs MetalLB for this VIP (l2 and routed, unless the cluster runs one). */
export function installsMetalLb(vip: VipSettings): boolean {
    return (vip.mode === "l2" || vip.mode === "routed") && vip.metallb.install;
}

/**
 * kube-controller-manager's --node-monitor-grace-period: 50 s since Kubernetes 1.32 (40 s before).
 * Only then does the node get its `unreachable`/`not-ready` NoExecute taints.
 */
export const NODE_MONITOR_GRACE_SECONDS = 50;

/** Scheduling the replacement, pulling the sidecar and controller images, native sidecar start. */
const RESCHEDULE_SECONDS = 30;

/** A client's granularity: the lab's prober opens a new TCP connection every 10 ms. */
const NEW_CONNECTION: BoundTerm = { what: "a client's next new connection, one every 10 ms", seconds: 0.01 };

/** The router replacing its ECMP group or next hop in the kernel; measured ≤ 72 ms after a session loss. */
const ROUTE_INSTALLATION: BoundTerm = { what: "route removal on the router, measured ≤ 72 ms", seconds: 0.2 };

/**
 * The readiness probe the entry controller gets in the l2 and routed modes (haproxy-ingress's
 * /healthz on 10253). The chart's default (10 s × 3) would take half a minute to withdraw a
 * controller that stops answering on a live node.
 */
export const ENTRY_READINESS_PROBE = { periodSeconds: 2, failureThreshold: 3, timeoutSeconds: 1 } as const;

/** haproxy-ingress 0.15.4's default liveness probe, which the program leaves as it is. */
const CHART_LIVENESS_PROBE = { periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 1 } as const;

/** The kubelet restarting the controller container in place (first restart, no back-off yet). */
const CONTAINER_RESTART_SECONDS = 10;

/** EndpointSlice update after a pod turns not-ready, and MetalLB/kube-proxy reacting to it. */
const ENDPOINT_PROPAGATION_SECONDS = 1;

/**
 * hashicorp/memberlist DefaultLANConfig, which MetalLB 0.16's speaker uses unless the optional
 * ConfigMap `metallb-memberlist-config` (key config.json, mounted at /etc/metallb/memberlist)
 * replaces it, all fields at once. Failure detection is tuned there, nowhere else.
 */
export const MEMBERLIST_LAN = {
    probeIntervalSeconds: 1,
    suspicionMult: 4,
    suspicionMaxTimeoutMult: 6,
    gossipIntervalSeconds: 0.2,
} as const;

/** The worst case from a node failure to clients reaching the VIP on another node. */
export function vipFailoverBound(vip: ActiveVip, members: number): FailoverBound {
    switch (vip.mode) {
        case "interface":
            return failoverBound([
                { what: "node-monitor grace before the node is tainted", seconds: NODE_MONITOR_GRACE_SECONDS },
                { what: "tolerationSeconds before the pod is evicted", seconds: vip.tolerationSeconds },
                { what: "scheduling, image pull and sidecar start with DAD and gratuitous ARP", seconds: RESCHEDULE_SECONDS },
                NEW_CONNECTION,
            ]);
        case "l2":
            return failoverBound([
                ...memberlistDetection(members),
                { what: "speakers re-electing the announcing node on the memberlist event", seconds: 0.5 },
                { what: "the new holder's gratuitous ARP reaching the router, measured 30 ms", seconds: 0.5 },
                NEW_CONNECTION,
            ]);
        case "routed":
            return failoverBound([sessionLoss(vip), ROUTE_INSTALLATION, NEW_CONNECTION]);
    }
}

/**
 * Memberlist declares a silent member dead after it is probed (round-robin over a shuffled list:
 * up to 2(n−1)−1 intervals when it was first in one round and last in the next), the probe and its
 * indirect probes fail (one interval), and the suspicion timeout runs out: SuspicionMult ×
 * max(1, log10 n) × interval, shortened by confirmations from others, of which none are
 * required below SuspicionMult members (n − 2 < SuspicionMult − 2); otherwise the worst case is
 * SuspicionMaxTimeoutMult times that. The death is then gossiped to every speaker.
 */
function memberlistDetection(n: number): BoundTerm[] {
    const { probeIntervalSeconds: interval, suspicionMult, suspicionMaxTimeoutMult, gossipIntervalSeconds } = MEMBERLIST_LAN;
    const minSuspicion = suspicionMult * Math.max(1, Math.log10(Math.max(1, n))) * interval;
    const noConfirmations = n - 2 < suspicionMult - 2;
    const suspicion = noConfirmations ? minSuspicion : minSuspicion * suspicionMaxTimeoutMult;
    return [
        { what: `memberlist reaching the dead node in its probe rounds (${n} speakers)`, seconds: Math.max(1, 2 * (n - 1) - 1) * interval },
        { what: "memberlist probe and indirect probes", seconds: interval },
        { what: `memberlist suspicion timeout${noConfirmations ? "" : " without confirmations"}`, seconds: Number(suspicion.toFixed(3)) },
        { what: "memberlist gossip of the death", seconds: gossipIntervalSeconds },
    ];
}

/** What ends the BGP session of a dead node: BFD when configured, the hold time otherwise. */
function sessionLoss(vip: Extract<ActiveVip, { mode: "routed" }>): BoundTerm {
    const bfd = vip.bgp.speaker === "metallb" ? vip.bgp.bfd : undefined;
    if (bfd) {
        const interval = bfdIntervalMs(bfd);
        return { what: `BFD detection ${bfd.detectMultiplier} × ${interval} ms`, seconds: bfd.detectMultiplier * interval / 1000 };
    }
    return { what: "BGP hold time", seconds: vip.bgp.holdTime };
}

/**
 * The interval a BFD session settles on: each side's detection uses the slower of its own
 * receive interval and the peer's transmit interval. The router is given the same timers.
 */
export function bfdIntervalMs(bfd: BfdSettings): number {
    return Math.max(bfd.receiveInterval, bfd.transmitInterval);
}

/**
 * A controller pod that stops answering on a live node: the readiness probe fails
 * `failureThreshold` times, the EndpointSlice drops it, and with `externalTrafficPolicy: Local`
 * the node stops announcing (routed) or leadership moves (l2). In `interface` mode readiness does
 * not move the address: the pod keeps it, and the kubelet restarts the container on liveness.
 */
export function podNotReadyBound(vip: ActiveVip): FailoverBound {
    if (vip.mode === "interface") {
        return failoverBound([
            probeFailures("liveness", CHART_LIVENESS_PROBE),
            { what: "container restart in place (the address stays with the pod)", seconds: CONTAINER_RESTART_SECONDS },
        ]);
    }
    return failoverBound([
        probeFailures("readiness", ENTRY_READINESS_PROBE),
        { what: "EndpointSlice update and the speaker withdrawing the node", seconds: ENDPOINT_PROPAGATION_SECONDS },
        ...(vip.mode === "l2" ? [{ what: "the new holder's gratuitous ARP", seconds: 0.5 }] : [ROUTE_INSTALLATION]),
        NEW_CONNECTION,
    ]);
}

function probeFailures(kind: string, probe: { periodSeconds: number; failureThreshold: number; timeoutSeconds: number }): BoundTerm {
    const { periodSeconds, failureThreshold, timeoutSeconds } = probe;
    return {
        what: `${kind} probe failures (${failureThreshold} × ${periodSeconds} s, ${timeoutSeconds} s timeout)`,
        seconds: failureThreshold * periodSeconds + timeoutSeconds,
    };
}

/** The address as a single-host prefix, as MetalLB's IPAddressPool and Calico take it. */
export function hostPrefix(address: string): string {
    const bare = address.split("/")[0];
    return bare.includes(":") ? `${bare}/128` : `${bare}/32`;
}

export function bareAddress(address: string): string {
    return address.split("/")[0];
}
