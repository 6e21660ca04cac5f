// The seam between "an ingress controller for this class, placed here" and the chart that provides
// it. haproxy-ingress is the one implementation: openstack-helm's own tooling installs it per
// namespace, and ingress-nginx was retired (no security fixes).
import { IngressControllerKind, Toleration } from "../config";
import { Values } from "./values";

/** How the controller that faces clients holds the VIP (see components/vip.ts). */
export interface VipAttachment {
    /** A LoadBalancer Service (externalTrafficPolicy Local) whose address MetalLB or Calico serves. */
    loadBalancer?: { annotations: Record<string, string> };
    /** Native sidecars: init containers with `restartPolicy: Always`, started before the controller. */
    sidecars?: Record<string, unknown>[];
    volumes?: Record<string, unknown>[];
    tolerations?: Toleration[];
    /** One pod at a time: an update stops the old pod before it starts the new one. */
    oneAtATime?: boolean;
    readinessProbe?: { periodSeconds: number; failureThreshold: number; timeoutSeconds: number };
}

/** How the controller that faces clients through a VIP runs, instead of its mode's default. */
export interface EntryPlacement {
    hostNetwork: boolean;
    kind: "DaemonSet" | "Deployment";
    /** Pods of a Deployment. */
    replicas?: number;
    vip: VipAttachment;
}

export interface ControllerSpec {
    /** Helm release name; also the name of the controller's objects (cluster-scoped RBAC included). */
    releaseName: string;
    namespace: string;
    /** The IngressClass this controller creates and serves, and only it. */
    className: string;
    /** Serve Ingresses of this namespace only (`--watch-namespace`); all namespaces when unset. */
    watchNamespace?: string;
    /** Listen on the node's own 80/443 (the article's `host_namespace=true`). */
    hostNetwork: boolean;
    kind: "DaemonSet" | "Deployment";
    /** Pods of a Deployment. */
    replicas?: number;
    nodeSelector: Record<string, string>;
    /** The taints of those nodes, tolerated by the controller's pods (and its default backend's). */
    tolerations: Toleration[];
    /** Behind another proxy that may terminate TLS: pass its X-Forwarded-Proto and -For through. */
    behindProxy?: boolean;
    /** Faces clients on a VIP. */
    vip?: VipAttachment;
}

export interface IngressControllerChart {
    chart: string;
    version: string;
    repository: string;
    values(spec: ControllerSpec): Values;
    /** The `spec.controller` of the IngressClass the release creates. */
    controllerName(spec: ControllerSpec): string;
    /** The ClusterIP Service in front of the controller pods, and its http port. */
    service(spec: ControllerSpec): { name: string; port: number };
    /** The ports its pods bind on each node they run on, from the release's values (with host networking, every port they listen on). */
    hostPorts(values: Values): HostPort[];
}

export interface HostPort {
    port: number;
    protocol: "TCP" | "UDP";
    what: string;
}

/**
 * haproxy-ingress overwrites X-Forwarded-Proto with `http` on every plain-http request, which would
 * tell horizon a TLS client of the cluster controller came over http (its CSRF check then fails).
 * A fronting-proxy port shared with the http port and `use-forwarded-proto: false` makes it pass
 * the header on as received, without redirecting requests whose header says http (haproxy.tmpl,
 * v0.15.4); `forwardfor: update` keeps the client address the outer controller recorded.
 */
const FRONTED_BY_PROXY = { "fronting-proxy-port": "80", "use-forwarded-proto": "false", forwardfor: "update" };

/**
 * haproxy-ingress chart 0.15.4, controller v0.15.4 with HAProxy 2.6.27 (2026-05-04), the latest
 * 0.15 patch and the one whose values.yaml was checked. Its release notes fix the CVEs reported
 * against the base image; no critical CVE against v0.15.4 is published by the project.
 */
const haproxyIngress: IngressControllerChart = {
    chart: "haproxy-ingress",
    version: "0.15.4",
    repository: "https://haproxy-ingress.github.io/charts",
    values: (spec) => ({
        // Names every object after the release, so the Service is `<releaseName>`.
        fullnameOverride: spec.releaseName,
        controller: {
            ingressClass: spec.className,
            // The chart defaults to no IngressClass; its controller becomes
            // haproxy-ingress.github.io/controller/<controllerClass>, so a second haproxy-ingress
            // (another class, another controller class) never serves this one.
            ingressClassResource: { enabled: true, default: false, controllerClass: spec.className },
            extraArgs: {
                ...(spec.watchNamespace ? { "watch-namespace": spec.watchNamespace } : {}),
                // Ingress users cannot inject raw HAProxy configuration through snippets.
                "disable-config-keywords": "*",
            },
            ...(spec.behindProxy ? { config: FRONTED_BY_PROXY } : {}),
            hostNetwork: spec.hostNetwork,
            // With host networking the pod would otherwise resolve through the node's resolv.conf.
            dnsPolicy: spec.hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
            kind: spec.kind,
            ...(spec.kind === "Deployment" && spec.replicas !== undefined ? { replicaCount: spec.replicas } : {}),
            nodeSelector: spec.nodeSelector,
            // The nodes' taints, and the interface VIP's short eviction tolerations beside them.
            ...(allTolerations(spec).length > 0 ? { tolerations: allTolerations(spec) } : {}),
            // The chart's LoadBalancer default makes Helm wait on bare metal for an address that
            // never comes. Clients reach the pods on the nodes' own ports (hostNetwork) or, nested
            // behind the cluster controller, through this ClusterIP; only a VIP served by MetalLB
            // or Calico gives the LoadBalancer its address.
            service: spec.vip?.loadBalancer
                ? { type: "LoadBalancer", externalTrafficPolicy: "Local", annotations: spec.vip.loadBalancer.annotations }
                : { type: "ClusterIP" },
            ...(spec.vip ? vipValues(spec.vip) : {}),
        },
        // Off by default (defaultBackend.enabled: false), but whoever turns it on gets pods that
        // schedule where the controller's do.
        ...(spec.tolerations.length > 0 ? { defaultBackend: { tolerations: spec.tolerations } } : {}),
    }),
    controllerName: (spec) => `haproxy-ingress.github.io/controller/${spec.className}`,
    service: (spec) => ({ name: spec.releaseName, port: 80 }),
    // With hostNetwork every listening socket of the pod is the node's: the chart's containerPorts
    // (http 80, https 443), healthzPort 10253 (haproxy's own health frontend, the probes' port) and
    // stats.port 1936 (controller-configmap.yaml always sets stats-port, whether stats.enabled or
    // not), plus the controller process's own healthz/metrics server on 10254 (metrics.controllerPort).
    // metrics.port 9101 only with metrics.enabled, which the program leaves off.
    hostPorts: (values) => (values.controller as { hostNetwork?: boolean } | undefined)?.hostNetwork === true ? [
        { port: 80, protocol: "TCP", what: "http" },
        { port: 443, protocol: "TCP", what: "https" },
        { port: 10253, protocol: "TCP", what: "haproxy healthz (probes)" },
        { port: 1936, protocol: "TCP", what: "haproxy stats" },
        { port: 10254, protocol: "TCP", what: "controller healthz and metrics" },
    ] : [],
};

function allTolerations(spec: ControllerSpec): Toleration[] {
    return [...spec.tolerations, ...spec.vip?.tolerations ?? []];
}

/** The chart's pod template takes native sidecars through initContainers (rendered verbatim). */
function vipValues(vip: VipAttachment): Values {
    return {
        ...(vip.sidecars ? { initContainers: vip.sidecars } : {}),
        ...(vip.volumes ? { extraVolumes: vip.volumes } : {}),
        // The chart's default surges a second pod first; with one address holder the new pod's
        // claim would wait for the old one to release it.
        ...(vip.oneAtATime ? { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } } : {}),
        ...(vip.readinessProbe ? { readinessProbe: vip.readinessProbe } : {}),
    };
}

export const INGRESS_CONTROLLER_CHARTS: Record<IngressControllerKind, IngressControllerChart> = {
    "haproxy-ingress": haproxyIngress,
};
