// The guard rails of a taco-exposure stack, as Pulumi policies. This module only defines them (the
// tests import it); index.ts hands them to a PolicyPack, whose constructor starts the policy server.
//
// Policies see what Pulumi registers, nothing Helm renders: a chart's own Services, and the
// ingress controller's Service, exist only as a Release's `values`. Rules about those read the
// values through CONTROLLER_CHARTS, which knows each controller chart's keys and defaults.
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export const TYPES = {
    service: "kubernetes:core/v1:Service",
    ingress: "kubernetes:networking.k8s.io/v1:Ingress",
    ingressClass: "kubernetes:networking.k8s.io/v1:IngressClass",
    namespace: "kubernetes:core/v1:Namespace",
    release: "kubernetes:helm.sh/v3:Release",
} as const;

/** The charts that hold state: never reachable from outside the cluster. */
export const STATEFUL_APPLICATIONS = ["mariadb", "rabbitmq", "memcached"] as const;

/**
 * Where the openstack-helm charts ship a well-known credential (openstack-helm 0ee5adef
 * values.yaml; test/policy.test.ts re-reads the pinned charts and fails if this list misses one).
 * Every one must be overridden, with something that is not itself a well-known default.
 */
export const CHART_DEFAULT_CREDENTIALS: Record<string, string[]> = {
    mariadb: [
        "endpoints.oci_image_registry.auth.mariadb.password", "endpoints.oslo_db.auth.admin.password",
        "endpoints.oslo_db.auth.sst.password", "endpoints.oslo_db.auth.audit.password", "endpoints.oslo_db.auth.exporter.password",
        "endpoints.identity.auth.admin.password", "endpoints.identity.auth.mariadb.password",
    ],
    rabbitmq: [
        "endpoints.oci_image_registry.auth.rabbitmq.password", "endpoints.oslo_messaging.auth.erlang_cookie",
        "endpoints.oslo_messaging.auth.user.password", "endpoints.oslo_messaging.auth.guest.password",
    ],
    memcached: ["endpoints.oci_image_registry.auth.memcached.password"],
    keystone: [
        "endpoints.oci_image_registry.auth.keystone.password", "endpoints.identity.auth.admin.password",
        "endpoints.identity.auth.test.password", "endpoints.oslo_db.auth.admin.password", "endpoints.oslo_db.auth.keystone.password",
        "endpoints.oslo_messaging.auth.admin.password", "endpoints.oslo_messaging.auth.keystone.password",
    ],
    horizon: [
        "conf.horizon.local_settings.config.horizon_secret_key", "endpoints.oci_image_registry.auth.horizon.password",
        "endpoints.identity.auth.admin.password", "endpoints.oslo_db.auth.admin.password", "endpoints.oslo_db.auth.horizon.password",
    ],
};

/** The values the charts above ship at those paths. */
export const WELL_KNOWN_SECRETS = ["password", "openstack-cookie", "9aee62c0-5253-4a86-b189-e0fb71fa503c"];

/** A Service as a chart would render it from a release's values. */
export interface RenderedService {
    name: string;
    type: string;
    externalTrafficPolicy: string;
}

/** What the rules need to know about an ingress controller chart, read from its values. */
export interface ControllerChartShape {
    /** The IngressClasses the release creates and serves. */
    servedClasses(values: Values, release: string): string[];
    services(values: Values, release: string): RenderedService[];
    /** Whether clients reach it directly (host ports or a NodePort/LoadBalancer Service). */
    clientFacing(values: Values, release: string): boolean;
    /** Whether Ingress authors are kept from injecting raw proxy configuration. */
    snippetsDisabled(values: Values): boolean;
    /** `namespace/service` of every TCP service the controller proxies. */
    tcpBackends(values: Values): string[];
}

type Values = Record<string, any>;

/** haproxy-ingress 0.15: keys and defaults of its values.yaml (the test checks them against it). */
export const HAPROXY_INGRESS_DEFAULTS = { ingressClass: "haproxy", serviceType: "LoadBalancer", externalTrafficPolicy: "Local" };

const haproxyIngress: ControllerChartShape = {
    servedClasses: (values) => values.controller?.ingressClassResource?.enabled === true
        ? [values.controller?.ingressClass ?? HAPROXY_INGRESS_DEFAULTS.ingressClass] : [],
    services: (values, release) => {
        const controller = values.controller ?? {};
        const name = values.fullnameOverride ?? release;
        const rendered = (service: Values, serviceName: string): RenderedService => ({
            name: serviceName,
            type: service.type ?? HAPROXY_INGRESS_DEFAULTS.serviceType,
            externalTrafficPolicy: service.externalTrafficPolicy ?? HAPROXY_INGRESS_DEFAULTS.externalTrafficPolicy,
        });
        return [
            ...(controller.service?.enabled === false ? [] : [rendered(controller.service ?? {}, name)]),
            ...((controller.extraServices ?? []) as Values[]).map((extra, i) => rendered(extra, extra.name ?? `${name}-extra-${i}`)),
        ];
    },
    clientFacing: (values, release) => values.controller?.hostNetwork === true || values.controller?.daemonset?.useHostPort === true
        || haproxyIngress.services(values, release).some((service) => EXTERNAL_SERVICE_TYPES.includes(service.type)),
    snippetsDisabled: (values) => values.controller?.extraArgs?.["disable-config-keywords"] === "*",
    tcpBackends: (values) => Object.values(values.controller?.tcp ?? {}).map((target) => String(target).split(":")[0]),
};

/**
 * openstack-helm charts that render a NodePort Service from their values (templates at 0ee5adef:
 * keystone service-api.yaml, horizon service.yaml), and the value that makes it Local.
 */
export const CHART_NODE_PORT_SERVICES: Record<string, { service: string; enabledBy: string[]; localBy: string }> = {
    keystone: { service: "keystone-api", enabledBy: ["network.api.node_port.enabled", "network.admin.node_port.enabled"], localBy: "network.api.external_policy_local" },
    horizon: { service: "horizon-int", enabledBy: ["network.node_port.enabled"], localBy: "network.external_policy_local" },
};

/** Ingress controller charts by chart name. An unknown controller chart fails the class rule. */
export const CONTROLLER_CHARTS: Record<string, ControllerChartShape> = { "haproxy-ingress": haproxyIngress };

const EXTERNAL_SERVICE_TYPES = ["NodePort", "LoadBalancer"];

/** The chart name of a Release: `haproxy-ingress`, `<dir>/haproxy-ingress-0.15.4.tgz` or `<dir>/keystone`. */
export function chartName(props: Values): string {
    const chart = String(props.chart ?? "");
    return chart.split("/").pop()!.replace(/-\d+\.\d+\.\d+[^/]*\.tgz$/, "");
}

function isStatefulName(name: string): boolean {
    return STATEFUL_APPLICATIONS.some((app) => name === app || name.startsWith(`${app}-`));
}

function selectsStatefulPods(selector: Values | undefined): boolean {
    return Object.entries(selector ?? {}).some(([key, value]) =>
        (key === "application" || key === "release_group" || key === "app.kubernetes.io/name") && isStatefulName(String(value)));
}

function controllerOf(resource: { type: string; props: Values }): ControllerChartShape | undefined {
    return resource.type === TYPES.release ? CONTROLLER_CHARTS[chartName(resource.props)] : undefined;
}

function releaseName(props: Values, fallback: string): string {
    return props.name ?? fallback;
}

function valueAt(values: Values, dotted: string): unknown {
    return dotted.split(".").reduce<any>((node, key) => (node !== null && typeof node === "object" ? node[key] : undefined), values);
}

/** The Services a release renders that its values let the rules see. */
function renderedServices(resource: { type: string; name: string; props: Values }): RenderedService[] {
    if (resource.type !== TYPES.release) return [];
    const values: Values = resource.props.values ?? {};
    const controller = controllerOf(resource);
    if (controller) return controller.services(values, releaseName(resource.props, resource.name));
    const nodePort = CHART_NODE_PORT_SERVICES[chartName(resource.props)];
    if (!nodePort || !nodePort.enabledBy.some((dotted) => valueAt(values, dotted) === true)) return [];
    return [{ name: nodePort.service, type: "NodePort", externalTrafficPolicy: valueAt(values, nodePort.localBy) === true ? "Local" : "Cluster" }];
}

// ---- rules on one resource ----

export const noExternalStatefulServices: ResourceValidationPolicy = {
    name: "no-external-stateful-services",
    description: "No NodePort or LoadBalancer Service, and no ingress controller TCP service, reaches mariadb, rabbitmq or memcached.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type === TYPES.service) {
            const spec = args.props.spec ?? {};
            if (EXTERNAL_SERVICE_TYPES.includes(spec.type) && (selectsStatefulPods(spec.selector) || isStatefulName(args.props.metadata?.name ?? ""))) {
                report(`Service ${args.props.metadata?.name} of type ${spec.type} exposes a stateful service (${STATEFUL_APPLICATIONS.join(", ")}) outside the cluster`);
            }
        }
        const controller = controllerOf(args);
        for (const target of controller?.tcpBackends(args.props.values ?? {}) ?? []) {
            if (isStatefulName(target.split("/").pop()!)) report(`ingress controller ${releaseName(args.props, args.name)} proxies TCP to ${target}, a stateful service`);
        }
    },
};

export interface TrafficPolicyConfig {
    /** The stack's opt-out: allow `externalTrafficPolicy: Cluster` (client addresses are lost). */
    allowCluster: boolean;
}

export const externalTrafficPolicyLocal: ResourceValidationPolicy = {
    name: "external-traffic-policy-local",
    description: "Every NodePort or LoadBalancer Service (including one a controller chart renders) uses externalTrafficPolicy Local, unless the stack opts out.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowCluster: { type: "boolean", default: false } } },
    validateResource: (args, report) => {
        if (args.getConfig<TrafficPolicyConfig>().allowCluster) return;
        const services: RenderedService[] = [];
        if (args.type === TYPES.service && EXTERNAL_SERVICE_TYPES.includes(args.props.spec?.type)) {
            // Kubernetes defaults an unset policy to Cluster.
            services.push({ name: args.props.metadata?.name, type: args.props.spec.type, externalTrafficPolicy: args.props.spec.externalTrafficPolicy ?? "Cluster" });
        }
        services.push(...renderedServices(args));
        for (const service of services.filter((s) => EXTERNAL_SERVICE_TYPES.includes(s.type) && s.externalTrafficPolicy !== "Local")) {
            report(`Service ${service.name} (${service.type}) has externalTrafficPolicy ${service.externalTrafficPolicy}: use Local, or opt the stack out with allowCluster in its policy config`);
        }
    },
};

export const noDefaultPasswords: ResourceValidationPolicy = {
    name: "no-default-passwords",
    description: "No Helm release keeps or sets a chart's well-known default password.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (args.type !== TYPES.release) return;
        const values: Values = args.props.values ?? {};
        for (const leaf of credentialLeaves(values)) {
            if (WELL_KNOWN_SECRETS.includes(leaf.value)) report(`release ${releaseName(args.props, args.name)} sets ${leaf.path} to a well-known default`);
        }
        for (const dotted of CHART_DEFAULT_CREDENTIALS[chartName(args.props)] ?? []) {
            const value = valueAt(values, dotted);
            if (value === undefined || value === null || value === "") {
                report(`release ${releaseName(args.props, args.name)} leaves ${dotted} at the chart's well-known default`);
            }
        }
    },
};

function credentialLeaves(values: unknown, prefix = ""): { path: string; value: string }[] {
    if (values === null || typeof values !== "object") return [];
    return Object.entries(values).flatMap(([key, value]) => {
        const here = prefix ? `${prefix}.${key}` : key;
        if (typeof value === "string") return /password|cookie|secret/i.test(key) ? [{ path: here, value }] : [];
        return credentialLeaves(value, here);
    });
}

export const noConfigSnippets: ResourceValidationPolicy = {
    name: "no-config-snippets",
    description: "No ingress controller lets Ingress authors inject raw proxy configuration (haproxy-ingress: --disable-config-keywords=*).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const controller = controllerOf(args);
        if (controller && !controller.snippetsDisabled(args.props.values ?? {})) {
            report(`ingress controller ${releaseName(args.props, args.name)} allows configuration snippets in Ingress annotations`);
        }
    },
};

// ---- rules on the whole stack ----

interface ControllerRelease {
    release: string;
    classes: string[];
    clientFacing: boolean;
}

function controllerReleases(resources: PolicyResource[]): ControllerRelease[] {
    return resources.flatMap((resource) => {
        const controller = controllerOf(resource);
        if (!controller) return [];
        const values = resource.props.values ?? {};
        const release = releaseName(resource.props, resource.name);
        return [{ release, classes: controller.servedClasses(values, release), clientFacing: controller.clientFacing(values, release) }];
    });
}

function ingressClassOf(props: Values): string | undefined {
    return props.spec?.ingressClassName ?? props.metadata?.annotations?.["kubernetes.io/ingress.class"];
}

export const ingressClassServed: StackValidationPolicy = {
    name: "ingress-class-served",
    description: "Every Ingress names an IngressClass that an ingress controller of this stack serves.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const served = new Set(controllerReleases(args.resources).flatMap((controller) => controller.classes));
        for (const ingress of args.resources.filter((r) => r.type === TYPES.ingress)) {
            const className = ingressClassOf(ingress.props);
            if (!className) report(`Ingress ${ingress.props.metadata?.name} names no IngressClass; served here: ${[...served].join(", ") || "none"}`, ingress.urn);
            else if (!served.has(className)) {
                report(`Ingress ${ingress.props.metadata?.name} names IngressClass ${className}, which no controller of this stack serves (served: ${[...served].join(", ") || "none"})`, ingress.urn);
            }
        }
    },
};

export const noIngressToStateful: StackValidationPolicy = {
    name: "no-ingress-to-stateful-services",
    description: "No Ingress routes to a Service of mariadb, rabbitmq or memcached.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const statefulServices = new Set(args.resources
            .filter((r) => r.type === TYPES.service && selectsStatefulPods(r.props.spec?.selector))
            .map((r) => r.props.metadata?.name));
        for (const ingress of args.resources.filter((r) => r.type === TYPES.ingress)) {
            for (const backend of ingressBackends(ingress.props)) {
                if (isStatefulName(backend) || statefulServices.has(backend)) {
                    report(`Ingress ${ingress.props.metadata?.name} routes to Service ${backend}, a stateful service`, ingress.urn);
                }
            }
        }
    },
};

function ingressBackends(props: Values): string[] {
    const spec = props.spec ?? {};
    const paths: Values[] = (spec.rules ?? []).flatMap((rule: Values) => rule.http?.paths ?? []);
    return [spec.defaultBackend, ...paths.map((p) => p.backend)]
        .map((backend) => backend?.service?.name).filter((name): name is string => typeof name === "string");
}

/** Cluster names: one label, `<name>.<namespace>`, or under `.svc` / `.cluster.local`. */
export function isClusterHost(host: string, namespaces: Set<string>): boolean {
    const labels = host.split(".");
    return labels.length === 1 || /\.svc(\.cluster\.local)?$/.test(host) || host.endsWith(".cluster.local")
        || (labels.length === 2 && namespaces.has(labels[1]));
}

/** Whether a TLS host entry (`*.example.com` covers one label) covers `host`. */
export function tlsCovers(tlsHost: string, host: string): boolean {
    if (tlsHost === host) return true;
    return tlsHost.startsWith("*.") && host.endsWith(tlsHost.slice(1)) && !host.slice(0, -tlsHost.length + 1).includes(".");
}

export const publicHostsHaveTls: StackValidationPolicy = {
    name: "public-hosts-have-tls",
    description: "Every public (non-cluster) Ingress host is served with TLS by the controller that faces clients.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const ingresses = args.resources.filter((r) => r.type === TYPES.ingress);
        const namespaces = new Set([
            ...args.resources.filter((r) => r.type === TYPES.namespace).map((r) => r.props.metadata?.name),
            ...ingresses.map((r) => r.props.metadata?.namespace),
        ].filter(Boolean));
        const facing = new Map<string, boolean>();
        for (const controller of controllerReleases(args.resources)) for (const c of controller.classes) facing.set(c, controller.clientFacing);
        const tlsHosts = (props: Values): string[] => (props.spec?.tls ?? []).flatMap((entry: Values) => entry.hosts ?? []);
        // TLS terminated in front: by Ingresses of client-facing controllers.
        const frontTls = ingresses.filter((r) => facing.get(ingressClassOf(r.props) ?? "") === true).flatMap((r) => tlsHosts(r.props));
        for (const ingress of ingresses) {
            const behindAnotherController = facing.get(ingressClassOf(ingress.props) ?? "") === false;
            const covering = behindAnotherController ? frontTls : tlsHosts(ingress.props);
            for (const host of (ingress.props.spec?.rules ?? []).map((rule: Values) => rule.host).filter(Boolean) as string[]) {
                if (isClusterHost(host, namespaces) || covering.some((tlsHost) => tlsCovers(tlsHost, host))) continue;
                report(`Ingress ${ingress.props.metadata?.name}: public host ${host} is served without TLS`, ingress.urn);
            }
        }
    },
};

export const POLICIES = [
    noExternalStatefulServices, externalTrafficPolicyLocal, noDefaultPasswords, noConfigSnippets,
    ingressClassServed, noIngressToStateful, publicHostsHaveTls,
];
