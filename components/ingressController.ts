import { Release } from "@pulumi/kubernetes/helm/v3/release";
import * as pulumi from "@pulumi/pulumi";
import { ChartSource, IngressControllerKind, Toleration } from "../config";
import { localChartPath } from "../lib/chartBundle";
import { ControllerSpec, HostPort, INGRESS_CONTROLLER_CHARTS } from "../lib/ingressControllers";

export interface IngressControllerArgs {
    controller: IngressControllerKind;
    /** Where charts come from: a local directory (air-gapped sites) holds the controller's too. */
    charts: ChartSource;
    /** Where the pods run. */
    nodeSelector: Record<string, string>;
    /** The taints of those nodes. */
    tolerations: Toleration[];
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** An ingress controller release for one IngressClass; IngressNamespace and IngressCluster place it. */
export abstract class IngressController extends pulumi.ComponentResource {
    public readonly release: Release;
    public readonly className: string;
    /** The IngressClass `spec.controller`, distinct per controller. */
    public readonly controllerName: string;
    /** The controller's ClusterIP Service, for a proxy in front of it. */
    public readonly service: { namespace: string; name: string; port: number };
    public readonly hostNetwork: boolean;
    /** What its pods bind on every node they run on (the nodes of `nodeSelector`). */
    public readonly hostPorts: HostPort[];
    public readonly nodeSelector: Record<string, string>;

    protected constructor(type: string, name: string, args: IngressControllerArgs, spec: ControllerSpec,
        opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        const chart = INGRESS_CONTROLLER_CHARTS[args.controller];
        this.className = spec.className;
        this.controllerName = chart.controllerName(spec);
        this.service = { namespace: spec.namespace, ...chart.service(spec) };
        this.hostNetwork = spec.hostNetwork;
        const values = chart.values(spec);
        this.hostPorts = chart.hostPorts(values);
        this.nodeSelector = spec.nodeSelector;
        this.release = new Release(spec.releaseName, {
            name: spec.releaseName,
            namespace: spec.namespace,
            ...(args.charts.kind === "local"
                // config checked it is there.
                ? { chart: localChartPath(args.charts.directory, chart.chart, chart.version)! }
                : { chart: chart.chart, version: chart.version, repositoryOpts: { repo: chart.repository } }),
            values,
            timeout: 600,
            createNamespace: false,
        }, { parent: this, dependsOn: args.dependsOn });
        this.registerOutputs({ release: this.release, className: this.className });
    }
}
