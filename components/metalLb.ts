import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Values } from "../lib/values";
import { METALLB_NAMESPACE, PodSecurityLevel } from "../lib/vip";

/** What MetalLB does for the VIP: announce it by ARP, by BGP (through FRR-K8s), or only allocate it. */
export type MetalLbRole = "l2" | "bgp" | "allocate";

export interface MetalLbArgs {
    role: MetalLbRole;
    /** The nodes that may announce the VIP: speakers (and FRR-K8s) run there only. */
    nodeSelector: Record<string, string>;
    /** The level its namespace is labelled with (see vipPodSecurity). */
    podSecurity: PodSecurityLevel;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * MetalLB chart 0.16.1 (2026-05-27, the latest release; FRR-K8s is its default BGP backend since
 * 0.16.0), whose values.yaml, frr-k8s subchart values and CRDs were checked.
 */
export const METALLB_CHART = { chart: "metallb", version: "0.16.1", repository: "https://metallb.github.io/metallb" } as const;

/**
 * MetalLB itself, rendered client-side (`helm.v4.Chart`) rather than installed by a `helm.v3.Release`:
 * its CRDs then become Pulumi resources the provider knows in the same run, so the first preview of
 * the IPAddressPool, advertisements and peers on a fresh cluster succeeds (with a Release the
 * provider cannot find their kinds until the Release exists: pulumi-kubernetes #3176). Pulumi
 * awaits every rendered object (the controller Deployment that serves the webhook, the webhook
 * Service's endpoints, the speaker DaemonSet); whatever depends on this component starts after them.
 */
export class MetalLb extends pulumi.ComponentResource {
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly chart: k8s.helm.v4.Chart;

    constructor(name: string, args: MetalLbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:vip:MetalLb", name, {}, opts);
        const level = args.podSecurity;
        this.namespace = new k8s.core.v1.Namespace(METALLB_NAMESPACE, {
            metadata: {
                name: METALLB_NAMESPACE,
                labels: {
                    "pod-security.kubernetes.io/enforce": level,
                    "pod-security.kubernetes.io/audit": level,
                    "pod-security.kubernetes.io/warn": level,
                },
            },
        }, { parent: this, dependsOn: args.dependsOn });
        this.chart = new k8s.helm.v4.Chart("metallb", {
            chart: METALLB_CHART.chart,
            version: METALLB_CHART.version,
            repositoryOpts: { repo: METALLB_CHART.repository },
            namespace: METALLB_NAMESPACE,
            values: metalLbValues(args.role, args.nodeSelector),
        }, { parent: this, dependsOn: [this.namespace] });
        this.registerOutputs({ namespace: this.namespace, chart: this.chart });
    }
}

export function metalLbValues(role: MetalLbRole, nodeSelector: Record<string, string>): Values {
    const announces = role !== "allocate";
    return {
        crds: { enabled: true },
        speaker: {
            // With Calico announcing, MetalLB's controller only allocates the address (and fills
            // the Service's status.loadBalancer, which Helm's wait needs).
            enabled: announces,
            ...(announces ? {
                nodeSelector,
                tolerateMaster: true,
                // kubeadm labels control-plane nodes node.kubernetes.io/exclude-from-external-load-balancers;
                // MetalLB >= 0.14 then announces nothing from them, and they are the VIP's nodes.
                ignoreExcludeLB: true,
            } : {}),
        },
        frrk8s: { enabled: role === "bgp" },
        ...(role === "bgp" ? { "frr-k8s": { frrk8s: { nodeSelector, tolerateMaster: true } } } : {}),
    };
}
