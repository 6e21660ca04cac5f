import { CustomResource, CustomResourcePatch } from "@pulumi/kubernetes/apiextensions";
import { ConfigMap } from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { BgpSettings, ChartSource, Toleration, VipMode } from "../config";
import { FailoverBound } from "../lib/failoverBound";
import { EntryPlacement, VipAttachment } from "../lib/ingressControllers";
import { keepaliveSeconds } from "../lib/routerFrr";
import {
    ActiveVip, bareAddress, ENTRY_READINESS_PROBE, hostPrefix, METALLB_NAMESPACE, podNotReadyBound, vipFailoverBound,
} from "../lib/vip";
import { MetalLb, MetalLbRole } from "./metalLb";

export interface VipArgs {
    settings: ActiveVip;
    /** The controller that faces clients: its namespace and Helm release name. */
    controller: { namespace: string; releaseName: string };
    /** The control-plane nodes that run the entry controller, by label. */
    nodeSelector: Record<string, string>;
    /** Those nodes by name, where the stack lists them. */
    nodes: string[];
    /** The nodes' taints (taco:nodes.tolerations): MetalLB's pods run there too. */
    tolerations: Toleration[];
    /** Where charts come from (MetalLB's included). */
    charts: ChartSource;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** The stack output `vip`. */
export interface VipOutput {
    address: string;
    mode: VipMode;
    /** The nodes that may hold (interface, l2) or announce (routed) the address. */
    nodes: string[];
    /** Worst case from a node failure until new connections reach the VIP again, with its derivation. */
    failoverBound: FailoverBound;
    /** Worst case when the controller pod stops answering on a live node. */
    podNotReadyBound: FailoverBound;
}

/**
 * busybox 1.37.0 (the official image, about 2 MB, rebuilt by Docker Official Images) has the `ip`
 * and `arping` applets the scripts need and nothing else to patch. Pinned by tag: its digest
 * cannot be resolved offline here; pin `busybox:1.37.0@sha256:<digest>` where a registry is reachable.
 */
export const VIP_SIDECAR_IMAGE = "busybox:1.37.0";
/** The program's own scripts (vip/), shipped to the pod in a ConfigMap; the failover lab runs the same files. */
const SCRIPTS_DIR = path.join(__dirname, "..", "vip");
const SCRIPTS = ["claim.sh", "release.sh"] as const;
const SCRIPTS_MOUNT = "/vip";
/** How long claim.sh waits for a previous holder (one that died without its preStop) to go. */
const DAD_TIMEOUT_SECONDS = 10;
const POOL = "taco-vip";
const BFD_PROFILE = "taco-vip";
const CALICO_API = "crd.projectcalico.org/v1";

/** A Node's NoExecute taints once the node controller gives up on it, instead of the default 300 s. */
function evictionTolerations(seconds: number): Toleration[] {
    return ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"].map((key) => ({
        key, operator: "Exists", effect: "NoExecute", tolerationSeconds: seconds,
    }));
}

/**
 * One stable address for the ingress controller that faces clients (taco:exposure.vip):
 * - `interface` (the article's first design): one controller pod on host networking; a native
 *   sidecar claims the address on the node's interface before the controller starts and releases
 *   it in its preStop, after the controller stopped. A partitioned node keeps the address while
 *   another claims it elsewhere (split brain) unless its DAD sees the other: claim.sh refuses a
 *   duplicate, but the partitioned holder does not know it was replaced.
 * - `l2`: MetalLB answers ARP for the address from one node with a ready controller pod.
 * - `routed`: every node with a ready controller pod announces the /32 by BGP; the router spreads
 *   flows over them (ECMP). MetalLB (through FRR-K8s, with BFD) or Calico announces.
 */
export class Vip extends pulumi.ComponentResource {
    public readonly entry: EntryPlacement;
    /** What the controller's release waits for (Helm waits for the LoadBalancer's address). */
    public readonly controllerDependsOn: pulumi.Resource[];
    public readonly metalLb?: MetalLb;
    public readonly scripts?: ConfigMap;
    public readonly output: VipOutput;

    constructor(name: string, args: VipArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:exposure:Vip", name, {}, opts);
        const { settings } = args;
        // taco:exposure.vip needs taco:nodes.controlPlane (config): these are the speakers.
        const nodes = args.nodes;
        this.output = {
            address: bareAddress(settings.address),
            mode: settings.mode,
            nodes,
            failoverBound: vipFailoverBound(settings, args.nodes.length),
            podNotReadyBound: podNotReadyBound(settings),
        };

        if (settings.mode === "interface") {
            this.scripts = new ConfigMap(`${args.controller.releaseName}-vip-scripts`, {
                metadata: { name: `${args.controller.releaseName}-vip-scripts`, namespace: args.controller.namespace },
                data: Object.fromEntries(SCRIPTS.map((script) => [script, fs.readFileSync(path.join(SCRIPTS_DIR, script), "utf8")])),
            }, { parent: this, dependsOn: args.dependsOn });
            this.entry = {
                // One holder of the address at a time, on the node's own network.
                hostNetwork: true, kind: "Deployment", replicas: 1,
                vip: interfaceAttachment(settings, this.scripts.metadata.name),
            };
            this.controllerDependsOn = [this.scripts];
            this.registerOutputs({ output: this.output });
            return;
        }

        const role: MetalLbRole = settings.mode === "l2" ? "l2" : settings.bgp.speaker === "metallb" ? "bgp" : "allocate";
        this.metalLb = settings.metallb.install
            ? new MetalLb("metallb", {
                role, settings, nodeSelector: args.nodeSelector, tolerations: args.tolerations, charts: args.charts, dependsOn: args.dependsOn,
            }, { parent: this })
            : undefined;
        // The CRs wait for the whole chart: its CRDs, and the controller serving the webhook that
        // admits them (right after an install the webhook refuses connections until it is ready).
        const afterMetalLb: pulumi.CustomResourceOptions = { parent: this, dependsOn: this.metalLb ? [this.metalLb] : args.dependsOn };
        const metallb = (apiVersion: string, kind: string, name: string, spec: Record<string, unknown>) =>
            new CustomResource(`${name}-${kind.toLowerCase()}`, {
                apiVersion, kind, metadata: { name, namespace: METALLB_NAMESPACE }, spec,
            }, afterMetalLb);
        const nodeSelectors = [{ matchLabels: args.nodeSelector }];

        // Only this address, and only for Services that ask for it (autoAssign false).
        const pool = metallb("metallb.io/v1beta1", "IPAddressPool", POOL, { addresses: [hostPrefix(settings.address)], autoAssign: false });
        const announcers: pulumi.Resource[] = [];
        if (settings.mode === "l2") {
            announcers.push(metallb("metallb.io/v1beta1", "L2Advertisement", POOL, {
                ipAddressPools: [POOL], nodeSelectors,
                ...(settings.interface ? { interfaces: [settings.interface] } : {}),
            }));
        } else if (settings.bgp.speaker === "metallb") {
            announcers.push(...metallbBgp(settings.bgp, nodeSelectors, metallb));
        } else {
            announcers.push(...calicoBgp(settings.address, settings.bgp, args.nodeSelector, { parent: this, dependsOn: args.dependsOn }));
        }
        this.entry = {
            // A DaemonSet on the candidate nodes: with externalTrafficPolicy Local only a node with a
            // ready controller pod may answer for (l2) or announce (routed) the address, so failover
            // needs a ready pod on another node already, not one evicted and rescheduled after
            // node-monitor grace + tolerationSeconds (MetalLB issues #298, #733); DaemonSet pods
            // tolerate those taints without limit, so l2's tolerationSeconds plays no part. Off host
            // networking: no host ports to hand over between ingress and hierarchical, no privileged namespace.
            hostNetwork: false, kind: "DaemonSet",
            vip: {
                loadBalancer: { annotations: { "metallb.io/loadBalancerIPs": bareAddress(settings.address) } },
                readinessProbe: { ...ENTRY_READINESS_PROBE },
            },
        };
        this.controllerDependsOn = [pool, ...announcers];
        this.registerOutputs({ output: this.output });
    }
}

/**
 * A native sidecar (Kubernetes >= 1.29): an init container with `restartPolicy: Always` starts,
 * and passes its startup probe (the address is on the interface), before the controller starts;
 * it stops after the controller, so its preStop releases the address last.
 */
function interfaceAttachment(settings: Extract<ActiveVip, { mode: "interface" }>, scriptsConfigMap: pulumi.Input<string>): VipAttachment {
    const env = [
        { name: "VIP_ADDRESS", value: bareAddress(settings.address) },
        { name: "VIP_INTERFACE", value: settings.interface },
        { name: "VIP_DAD_TIMEOUT_SECONDS", value: String(DAD_TIMEOUT_SECONDS) },
    ];
    return {
        sidecars: [{
            name: "vip",
            image: VIP_SIDECAR_IMAGE,
            restartPolicy: "Always",
            // Claims, then idles until SIGTERM (which arrives after the preStop released the address).
            command: ["sh", "-c", `sh ${SCRIPTS_MOUNT}/claim.sh && trap 'exit 0' TERM && while :; do sleep 3600 & wait $!; done`],
            env,
            startupProbe: {
                exec: { command: ["sh", "-c", "ip -o addr show dev \"$VIP_INTERFACE\" | grep -qF \"inet $VIP_ADDRESS/\""] },
                periodSeconds: 1,
                failureThreshold: 120,
            },
            lifecycle: { preStop: { exec: { command: ["sh", `${SCRIPTS_MOUNT}/release.sh`] } } },
            securityContext: {
                runAsUser: 0,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"], add: ["NET_ADMIN", "NET_RAW"] },
            },
            resources: { requests: { cpu: "5m", memory: "8Mi" }, limits: { memory: "32Mi" } },
            volumeMounts: [{ name: "vip-scripts", mountPath: SCRIPTS_MOUNT, readOnly: true }],
        }],
        volumes: [{ name: "vip-scripts", configMap: { name: scriptsConfigMap, defaultMode: 0o555 } }],
        tolerations: evictionTolerations(settings.tolerationSeconds),
        oneAtATime: true,
    };
}

type MetalLbCr = (apiVersion: string, kind: string, name: string, spec: Record<string, unknown>) => CustomResource;

/** MetalLB with FRR-K8s: the BGP sessions (and BFD) live in FRR-K8s's `frr` container. */
function metallbBgp(bgp: BgpSettings, nodeSelectors: Record<string, unknown>[], metallb: MetalLbCr): pulumi.Resource[] {
    const bfd = bgp.bfd ? [metallb("metallb.io/v1beta1", "BFDProfile", BFD_PROFILE, { ...bgp.bfd })] : [];
    const peers = bgp.peers.map((peer) => metallb("metallb.io/v1beta2", "BGPPeer", `taco-${peer.address.replace(/[.:]/g, "-")}`, {
        myASN: bgp.myASN,
        peerASN: peer.asn,
        peerAddress: peer.address,
        holdTime: `${bgp.holdTime}s`,
        keepaliveTime: `${keepaliveSeconds(bgp)}s`,
        nodeSelectors,
        ...(bgp.bfd ? { bfdProfile: BFD_PROFILE } : {}),
    }));
    // aggregationLength 32: each node announces the /32 itself, the router's ECMP sees every one.
    const advertisement = metallb("metallb.io/v1beta1", "BGPAdvertisement", POOL, { ipAddressPools: [POOL], nodeSelectors, aggregationLength: 32 });
    return [...bfd, ...peers, advertisement];
}

/**
 * Calico announces Service addresses through its own BGP sessions (one per node and router: a
 * second speaker such as MetalLB's could not open its own). It has no BFD, so a dead node is
 * withdrawn after the hold time; the router config disables graceful restart, which would keep
 * the dead node's route as stale for Calico's restart time (120 s) after that. Calico also skips
 * nodes labelled node.kubernetes.io/exclude-from-external-load-balancers, with no override: remove
 * that kubeadm label from the control-plane nodes or they announce nothing. MetalLB (controller
 * only) allocates the address, so the Service gets its status.loadBalancer and Helm's wait ends;
 * Calico fills it only with its own LoadBalancer IPAM (>= 3.30).
 */
function calicoBgp(address: string, bgp: BgpSettings, nodeSelector: Record<string, string>,
    opts: pulumi.CustomResourceOptions): pulumi.Resource[] {
    const selector = Object.entries(nodeSelector).map(([key, value]) => `${key} == '${value}'`).join(" && ");
    // The cluster's BGPConfiguration `default` usually exists already: patched, these fields only.
    const configuration = new CustomResourcePatch("calico-bgp-default", {
        apiVersion: CALICO_API, kind: "BGPConfiguration",
        metadata: { name: "default", annotations: { "pulumi.com/patchForce": "true" } },
        spec: { asNumber: bgp.myASN, serviceLoadBalancerIPs: [{ cidr: hostPrefix(address) }] },
    }, opts);
    const peers = bgp.peers.map((peer) => new CustomResource(`calico-${peer.address.replace(/[.:]/g, "-")}`, {
        apiVersion: CALICO_API, kind: "BGPPeer",
        metadata: { name: `taco-${peer.address.replace(/[.:]/g, "-")}` },
        spec: { peerIP: peer.address, asNumber: peer.asn, nodeSelector: selector },
    }, opts));
    return [configuration, ...peers];
}
