import { Service } from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { ExposedService, ExternalTrafficPolicy, PublicEndpoint } from "../config";
import { distinct, EndpointUrl, endpointUrl, publicEndpointOf } from "../lib/endpoints";
import { CatalogService, deployedByProgram, EXPOSURE_CATALOG, nodePortServiceName, podSelector } from "../lib/exposureCatalog";
import { FailoverBound } from "../lib/failoverBound";
import { loadBalancerFailoverBound } from "../lib/haproxyBackends";
import { NodeAddress } from "./controlPlaneNodes";

export interface NodePortExposureArgs {
    namespace: string;
    /** The services to open (and the releases whose pods serve them). */
    services: ExposedService[];
    /** The node port each gets. */
    ports: Partial<Record<CatalogService, number>>;
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
    podsNeed: Partial<Record<CatalogService, pulumi.Resource[]>>;
}

/** What the external load balancer needs for one service: its backends and how to check them. */
export interface LoadBalancerBackend {
    service: CatalogService;
    port: number;
    /** HTTP path that answers `healthStatus` on a healthy backend. */
    healthCheck: string;
    healthStatus: number;
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
    public readonly services: Partial<Record<CatalogService, Service>>;
    public readonly loadBalancerBackends: pulumi.Output<LoadBalancerBackend[]>;
    /** Service → URLs: the public (load balancer) URL where known, then each backend node's. */
    public readonly endpoints: pulumi.Output<Record<string, EndpointUrl[]>>;
    /** Shell commands that show the exposure works, in the article's style. */
    public readonly checks: pulumi.Output<string[]>;
    /** How long the external load balancer may send requests to a dead node (its health checks). */
    public readonly failoverBound: FailoverBound = loadBalancerFailoverBound();

    constructor(name: string, args: NodePortExposureArgs, opts?: pulumi.ComponentResourceOptions) {
        super("taco:exposure:NodePortExposure", name, {}, opts);
        const exposed = args.services.map((service) => ({ ...service, port: args.ports[service.name]! }));
        const band = staticBand(args.range);
        for (const { name: service, port } of exposed.filter(({ port }) => port > band.max)) {
            pulumi.log.warn(`node port ${port} for ${service} lies above the static band ${band.min}-${band.max} of ${args.range.min}-${args.range.max}: `
                + "Services without a fixed port take ports there first and may hold it before this one is created", this);
        }
        this.services = Object.fromEntries(exposed.map(({ name: service, release, port: nodePort }) => {
            const entry = EXPOSURE_CATALOG[service];
            const external = !deployedByProgram(service);
            return [service, new Service(nodePortServiceName(service), {
                metadata: {
                    name: nodePortServiceName(service),
                    namespace: args.namespace,
                    labels: { application: entry.application, component: "nodeport" },
                    // Its pods come from a release outside the stack (lib/awaits.ts EXTERNAL_PODS_SKIP_AWAIT).
                    ...(external ? { annotations: { "pulumi.com/skipAwait": "true" } } : {}),
                },
                spec: {
                    type: "NodePort",
                    externalTrafficPolicy: args.externalTrafficPolicy,
                    selector: podSelector(service, release),
                    ports: [{ name: "http", protocol: "TCP", port: entry.service.port, targetPort: entry.containerPort, nodePort }],
                },
            }, { parent: this, dependsOn: [...(args.dependsOn ?? []), ...(args.podsNeed[service] ?? [])] })];
        }));
        this.loadBalancerBackends = pulumi.output(args.nodes).apply((nodes) => exposed.map(({ name: service, port }) => ({
            service, port, healthCheck: EXPOSURE_CATALOG[service].healthPath, healthStatus: EXPOSURE_CATALOG[service].healthStatus ?? 200, nodes,
        })));
        const publicUrl = (service: CatalogService) => {
            const endpoint = publicEndpointOf(service, args.publicEndpoint);
            return endpoint && endpointUrl(endpoint, EXPOSURE_CATALOG[service].healthPath);
        };
        this.endpoints = this.loadBalancerBackends.apply((backends) => Object.fromEntries(backends.map((backend) => [
            backend.service,
            distinct([
                ...[publicUrl(backend.service)].filter((url): url is string => url !== undefined),
                ...backend.nodes.map((node) => `http://${node.node}:${backend.port}${backend.healthCheck}`),
            ]).map((url) => ({ url })),
        ])));
        this.checks = this.loadBalancerBackends.apply((backends) => distinct([
            ...backends.flatMap((backend) => backend.nodes.map((node) => `curl -I http://${node.node}:${backend.port}${backend.healthCheck}`)),
            ...backends.flatMap((backend) => [publicUrl(backend.service)].filter((url): url is string => url !== undefined).map((url) => `curl -I ${url}`)),
            // One API pod per backend node, and the policy kube-proxy programs (KUBE-XLB chains).
            ...exposed.map(({ name, release }) => `kubectl -n ${args.namespace} get pods -o wide -l ${selectorText(podSelector(name, release))}`),
            ...backends.map((backend) => `kubectl -n ${args.namespace} get svc ${nodePortServiceName(backend.service)} -o jsonpath='{.spec.externalTrafficPolicy}'`),
            "sudo iptables -t nat -L KUBE-NODEPORTS",
        ]));
        this.registerOutputs({
            loadBalancerBackends: this.loadBalancerBackends, endpoints: this.endpoints, checks: this.checks, failoverBound: this.failoverBound,
        });
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

function selectorText(selector: Record<string, string>): string {
    return Object.entries(selector).map(([key, value]) => `${key}=${value}`).join(",");
}
