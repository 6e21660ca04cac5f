import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ExternalTrafficPolicy, PublicEndpoint } from "../config";
import { API_PODS, ApiServiceName } from "../lib/charts";
import { distinct, EndpointUrl, endpointUrl } from "../lib/endpoints";
import { NodeAddress } from "./controlPlaneNodes";

export interface NodePortExposureArgs {
    namespace: string;
    /** Each service to open and the node port it gets. */
    ports: Partial<Record<ApiServiceName, number>>;
    externalTrafficPolicy: ExternalTrafficPolicy;
    /** The cluster's --service-node-port-range, to warn about ports automatic allocation may take. */
    range: { min: number; max: number };
    /** The nodes handed to the external load balancer (with `Local`, exactly those running the pods). */
    nodes: pulumi.Input<NodeAddress[]>;
    /** The load balancer's front end for keystone, as keystone's catalog advertises it. */
    publicEndpoint?: PublicEndpoint;
    /** What the Services need first (their namespace). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Per service, the releases its pods need before they turn ready. Pulumi's Service await passes
     * once the Endpoints exist, 10 s have gone by and no address is not-ready (await/service.go): a
     * Service created before its pods exist passes having checked nothing, one created while they
     * start waits for them. So each Service waits for every release its pods need.
     */
    podsNeed: Record<ApiServiceName, pulumi.Resource[]>;
}

/** What the external load balancer needs for one service: its backends and how to check them. */
export interface LoadBalancerBackend {
    service: ApiServiceName;
    port: number;
    /** HTTP path that answers 200 on a healthy backend. */
    healthCheck: string;
    nodes: NodeAddress[];
}

/**
 * Opens API services on fixed node ports for an external load balancer (the article's first half).
 *
 * The Service is the program's own rather than the charts' `node_port` switches: it is visible to
 * tests and to policy checks in preview, and does not hang on chart keys openstack-helm keeps
 * changing. With `externalTrafficPolicy: Local`, kube-proxy DNATs a node-port packet only to a pod
 * on the receiving node (KUBE-XLB chain) and drops it on a node without one, which saves the
 * extra hop `Cluster` takes for about 2/3 of packets with three pods, and keeps the client address.
 */
export class NodePortExposure extends pulumi.ComponentResource {
    public readonly services: Partial<Record<ApiServiceName, k8s.core.v1.Service>>;
    public readonly loadBalancerBackends: pulumi.Output<LoadBalancerBackend[]>;
    /** Service → URLs: the public (load balancer) URL where known, then each backend node's. */
    public readonly endpoints: pulumi.Output<Record<string, EndpointUrl[]>>;
    /** Shell commands that show the exposure works, in the article's style. */
    public readonly checks: pulumi.Output<string[]>;

    constructor(name: string, args: NodePortExposureArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:exposure:NodePortExposure", name, {}, opts);
        const exposed = Object.entries(args.ports) as [ApiServiceName, number][];
        const band = staticBand(args.range);
        for (const [service, port] of exposed.filter(([, port]) => port > band.max)) {
            pulumi.log.warn(`node port ${port} for ${service} lies above the static band ${band.min}-${band.max} of ${args.range.min}-${args.range.max}: `
                + "Services without a fixed port take ports there first and may hold it before this one is created", this);
        }
        this.services = Object.fromEntries(exposed.map(([service, nodePort]) => {
            const pods = API_PODS[service];
            return [service, new k8s.core.v1.Service(`${service}-nodeport`, {
                metadata: {
                    name: `${service}-nodeport`,
                    namespace: args.namespace,
                    labels: { application: service, component: "nodeport" },
                },
                spec: {
                    type: "NodePort",
                    externalTrafficPolicy: args.externalTrafficPolicy,
                    selector: pods.selector,
                    ports: [{ name: "http", protocol: "TCP", port: pods.service.port, targetPort: pods.containerPort, nodePort }],
                },
            }, { parent: this, dependsOn: [...(args.dependsOn ?? []), ...args.podsNeed[service]] })];
        }));
        this.loadBalancerBackends = pulumi.output(args.nodes).apply((nodes) => exposed.map(([service, port]) => ({
            service, port, healthCheck: API_PODS[service].healthPath, nodes,
        })));
        const publicUrl = args.publicEndpoint && endpointUrl(args.publicEndpoint, API_PODS.keystone.healthPath);
        this.endpoints = this.loadBalancerBackends.apply((backends) => Object.fromEntries(backends.map((backend) => [
            backend.service,
            distinct([
                ...(backend.service === "keystone" && publicUrl ? [publicUrl] : []),
                ...backend.nodes.map((node) => `http://${node.node}:${backend.port}${backend.healthCheck}`),
            ]).map((url) => ({ url })),
        ])));
        this.checks = this.loadBalancerBackends.apply((backends) => distinct([
            ...backends.flatMap((backend) => backend.nodes.map((node) => `curl -I http://${node.node}:${backend.port}${backend.healthCheck}`)),
            ...(publicUrl ? [`curl -I ${publicUrl}`] : []),
            // One API pod per backend node, and the policy kube-proxy programs (KUBE-XLB chains).
            ...backends.map((backend) => `kubectl -n ${args.namespace} get pods -o wide -l ${selectorText(backend.service)}`),
            ...backends.map((backend) => `kubectl -n ${args.namespace} get svc ${backend.service}-nodeport -o jsonpath='{.spec.externalTrafficPolicy}'`),
            "sudo iptables -t nat -L KUBE-NODEPORTS",
        ]));
        this.registerOutputs({ loadBalancerBackends: this.loadBalancerBackends, endpoints: this.endpoints, checks: this.checks });
    }
}

/**
 * Kubernetes 1.27+ (KEP-3668) hands out node ports automatically from the upper part of the range
 * first and keeps a lower "static" band, min(max(16, size/32), 128) ports long, for fixed ports.
 */
export function staticBand(range: { min: number; max: number }): { min: number; max: number } {
    const size = range.max - range.min + 1;
    return { min: range.min, max: range.min + Math.min(Math.max(16, Math.floor(size / 32)), 128) - 1 };
}

function selectorText(service: ApiServiceName): string {
    return Object.entries(API_PODS[service].selector).map(([key, value]) => `${key}=${value}`).join(",");
}
