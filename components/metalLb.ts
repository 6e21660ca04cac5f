import { Namespace } from "@pulumi/kubernetes/core/v1";
import { Chart, ChartArgs } from "@pulumi/kubernetes/helm/v4";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, Toleration } from "../config";
import { localChartPath } from "../lib/chartBundle";
import { metallbPodSecurity, podSecurityLabels, podSecurityLevel } from "../lib/podSecurity";
import { Values } from "../lib/values";
import { ActiveVip, METALLB_CHART, METALLB_NAMESPACE } from "../lib/vip";

/** What MetalLB does for the VIP: announce it by ARP, by BGP (through FRR-K8s), or only allocate it. */
export type MetalLbRole = "l2" | "bgp" | "allocate";

export interface MetalLbArgs {
    role: MetalLbRole;
    /** The nodes that may announce the VIP: speakers (and FRR-K8s) run there only. */
    nodeSelector: Record<string, string>;
    /** The taints of those nodes (taco:nodes.tolerations), for every MetalLB pod. */
    tolerations: Toleration[];
    /** Where charts come from: a local directory (air-gapped sites) holds MetalLB's too (npm run charts -- pull --stack). */
    charts: ChartSource;
    /** The VIP it serves: what its pods need from Pod Security (lib/podSecurity.ts metallbPodSecurity). */
    settings: ActiveVip;
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * MetalLB itself, rendered client-side (`helm.v4.Chart`) rather than installed by a `helm.v3.Release`:
 * its CRDs then become Pulumi resources the provider knows in the same run, so the first preview of
 * the IPAddressPool, advertisements and peers on a fresh cluster succeeds (with a Release the
 * provider cannot find their kinds until the Release exists: pulumi-kubernetes #3176). Pulumi
 * awaits every rendered object (the controller Deployment that serves the webhook, the webhook
 * Service's endpoints, the speaker DaemonSet); whatever depends on this component starts after them.
 */
export class MetalLb extends pulumi.ComponentResource {
    public readonly namespace: Namespace;
    public readonly chart: Chart;

    constructor(name: string, args: MetalLbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:vip:MetalLb", name, {}, opts);
        this.namespace = new Namespace(METALLB_NAMESPACE, {
            metadata: { name: METALLB_NAMESPACE, labels: podSecurityLabels(podSecurityLevel(metallbPodSecurity(args.settings))) },
        }, { parent: this, dependsOn: args.dependsOn });
        this.chart = new Chart("metallb", {
            ...metalLbChartSource(args.charts),
            namespace: METALLB_NAMESPACE,
            values: metalLbValues(args.role, args.nodeSelector, args.tolerations),
        }, { parent: this, dependsOn: [this.namespace] });
        this.registerOutputs({ namespace: this.namespace, chart: this.chart });
    }
}

/** helm.v4.Chart takes a local chart path (unpacked directory or .tgz) as `chart`. */
function metalLbChartSource(charts: ChartSource): Pick<ChartArgs, "chart" | "version" | "repositoryOpts"> {
    if (charts.kind === "repository") return { chart: METALLB_CHART.chart, version: METALLB_CHART.version, repositoryOpts: { repo: METALLB_CHART.repository } };
    // parseConfig checked that the directory holds it.
    return { chart: localChartPath(charts.directory, METALLB_CHART.chart, METALLB_CHART.version)! };
}

/**
 * Paths read by MetalLB 0.16.1's templates: controller.tolerations, speaker.tolerations (beside
 * tolerateMaster's own control-plane toleration), and the frr-k8s subchart's frrk8s.tolerations.
 */
export function metalLbValues(role: MetalLbRole, nodeSelector: Record<string, string>, tolerations: Toleration[] = []): Values {
    const announces = role !== "allocate";
    const tolerate = tolerations.length > 0 ? { tolerations } : {};
    return {
        crds: { enabled: true },
        ...(tolerations.length > 0 ? { controller: { tolerations } } : {}),
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
                ...tolerate,
            } : {}),
        },
        frrk8s: { enabled: role === "bgp" },
        ...(role === "bgp" ? { "frr-k8s": { frrk8s: { nodeSelector, tolerateMaster: true, ...tolerate } } } : {}),
    };
}
