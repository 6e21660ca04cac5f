// The path a request takes from a client to an API pod, as a Mermaid flowchart, drawn from what
// the program registers (Services, Ingresses, controller releases) and its outputs: client →
// load balancer or VIP → node ports or controllers → Services → pods, with the stack's own node
// names and ports. GitHub renders it in README.md and in job summaries.
import type { TacoConfig } from "../config";
import { API_SERVICES } from "./charts";
import { CatalogService, EXPOSURE_CATALOG, serviceOfChartService, serviceOfSelector } from "./exposureCatalog";
import { endpointUrl } from "./endpoints";

/** A registered resource as the offline plan records it (inputs with secrets masked or not). */
export interface PlannedResource {
    type: string;
    inputs: Record<string, any>;
}

/** The `vip` output of the VIP modes. */
export interface VipOutput {
    address: string;
    mode: string;
    /** Node names, or node addresses as `apiNodes` gives them. */
    nodes: (string | { node: string })[];
    failoverBound?: { seconds: number } | number;
}

export interface TopologyInput {
    resources: PlannedResource[];
    outputs: Record<string, any>;
    /** The stack's parsed config: the external load balancer's front end in nodeport mode. */
    config?: TacoConfig;
}

const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const EXTERNAL_TYPES = ["NodePort", "LoadBalancer"];

interface Controller {
    release: string;
    namespace: string;
    className: string;
    hostNetwork: boolean;
    kind: string;
    serviceType: string;
}

/** Controller releases, by the shape of their values (an ingress class and a controller kind). */
function controllers(resources: PlannedResource[]): Controller[] {
    return resources.filter((r) => r.type === RELEASE && r.inputs.values?.controller?.ingressClass).map((r) => {
        const controller = r.inputs.values.controller;
        return {
            release: r.inputs.values.fullnameOverride ?? r.inputs.name,
            namespace: r.inputs.namespace,
            className: controller.ingressClass,
            hostNetwork: controller.hostNetwork === true,
            kind: controller.kind ?? "Deployment",
            serviceType: controller.service?.type ?? "LoadBalancer",
        };
    });
}

export function renderTopology(input: TopologyInput): string {
    const { resources, outputs } = input;
    const lines = ["flowchart LR", `    client(["client"])`];
    const node = (id: string, label: string, shape: "box" | "round" | "stadium" | "db" = "box") => {
        const text = `"${label.replace(/"/g, "#quot;")}"`;
        const open = { box: "[", round: "(", stadium: "([", db: "[(" }[shape];
        const close = { box: "]", round: ")", stadium: "])", db: ")]" }[shape];
        lines.push(`    ${id}${open}${text}${close}`);
    };
    const edge = (from: string, to: string, label?: string) => lines.push(label ? `    ${from} -- "${label}" --> ${to}` : `    ${from} --> ${to}`);

    const mode: string = outputs.exposureMode ?? "clusterip";
    // The program outputs `{ mode: "none" }` when no VIP is configured.
    const configuredVip = outputs.vip as VipOutput | undefined;
    const vip = configuredVip?.mode === "none" ? undefined : configuredVip;
    const nodeNames: string[] = (outputs.apiNodes ?? []).map((n: { node: string }) => n.node);
    const vipNodes = (vip?.nodes ?? []).map((n) => (typeof n === "string" ? n : n.node));
    const entryNodes = vipNodes.length > 0 ? vipNodes : nodeNames.length > 0 ? nodeNames : ["any control-plane node"];
    const services = resources.filter((r) => r.type === SERVICE);
    const ingresses = resources.filter((r) => r.type === INGRESS);
    const ctrls = controllers(resources);

    // Pods behind the charts' own Services and the program's.
    const drawnPods = new Set<string>();
    const podsOf = (service: CatalogService) => {
        const pods = EXPOSURE_CATALOG[service];
        const id = `pods_${safe(service)}`;
        if (!drawnPods.has(id)) {
            drawnPods.add(id);
            const spread = mode === "nodeport" && nodeNames.length > 0 ? `<br/>on ${nodeNames.join(", ")}` : "";
            node(id, `${service} pods :${pods.containerPort}${spread}`, "round");
        }
        return id;
    };
    const apiServiceOf = serviceOfSelector;

    // Entry: a VIP or an external load balancer in front of the nodes.
    let front = "client";
    if (vip) {
        const bound = typeof vip.failoverBound === "number" ? vip.failoverBound : vip.failoverBound?.seconds;
        node("vip", `VIP ${vip.address} (${vip.mode})${bound !== undefined ? `<br/>failover ≤ ${bound} s` : ""}`, "stadium");
        edge("client", "vip");
        front = "vip";
    } else if (mode === "nodeport" && input.config?.exposure.nodePort.publicEndpoint) {
        node("lb", `external load balancer<br/>${endpointUrl(input.config.exposure.nodePort.publicEndpoint, "")}`);
        edge("client", "lb");
        front = "lb";
    }

    if (mode === "clusterip") {
        lines[1] = `    client(["client in the cluster"])`;
        for (const service of input.config?.exposure.services.map((exposed) => exposed.name) ?? API_SERVICES) {
            const chartService = EXPOSURE_CATALOG[service].service;
            const id = `svc_${safe(chartService.name)}`;
            node(id, `Service ${chartService.name} :${chartService.port}`);
            edge("client", id);
            edge(id, podsOf(service));
        }
        for (const s of services.filter((r) => r.inputs.spec?.type === "ClusterIP" || !r.inputs.spec?.type)) {
            const service = apiServiceOf(s.inputs.spec?.selector);
            if (!service) continue;
            const id = `svc_${safe(s.inputs.metadata.name)}`;
            node(id, `Service ${s.inputs.metadata.name} :${s.inputs.spec.ports?.[0]?.port}`);
            edge("client", id);
            edge(id, podsOf(service));
        }
        return `${dedupe(lines).join("\n")}\n`;
    }

    // The nodes clients (or the load balancer, or the VIP) send to.
    const nodePortServices = services.filter((r) => EXTERNAL_TYPES.includes(r.inputs.spec?.type));
    const hostControllers = ctrls.filter((c) => c.hostNetwork);
    const nodePorts = nodePortServices.flatMap((s) => (s.inputs.spec.ports ?? []).map((p: { nodePort?: number }) => p.nodePort).filter(Boolean));
    const listens = [...nodePorts.map((p: number) => `:${p}`), ...(hostControllers.length > 0 ? [":80", ":443"] : [])];
    if (listens.length > 0) {
        lines.push(`    subgraph nodes["nodes"]`);
        for (const name of entryNodes) lines.push(`        node_${safe(name)}["${name}<br/>${listens.join(" ")}"]`);
        lines.push("    end");
        edge(front, "nodes");
    }

    for (const s of nodePortServices) {
        const service = apiServiceOf(s.inputs.spec.selector);
        const port = s.inputs.spec.ports[0];
        const id = `svc_${safe(s.inputs.metadata.name)}`;
        node(id, `Service ${s.inputs.metadata.name}<br/>${s.inputs.spec.type} ${port.nodePort} → ${port.targetPort}<br/>externalTrafficPolicy ${s.inputs.spec.externalTrafficPolicy ?? "Cluster"}`);
        edge("nodes", id, `:${port.nodePort}`);
        if (service) edge(id, podsOf(service));
    }

    // Controllers, and where each Ingress sends what it matches.
    const controllerId = (c: Controller) => `ctrl_${safe(c.release)}`;
    for (const c of ctrls) {
        node(controllerId(c), `${c.release} (${c.namespace})<br/>haproxy-ingress ${c.kind}${c.hostNetwork ? ", host network" : ""}<br/>class ${c.className}`);
        if (c.hostNetwork) edge("nodes", controllerId(c), ":80 :443");
        else if (EXTERNAL_TYPES.includes(c.serviceType)) {
            node(`svc_${safe(c.release)}`, `Service ${c.release} ${c.serviceType}`);
            // A LoadBalancer Service (the VIP's, announced by MetalLB) takes the traffic itself.
            edge(front, `svc_${safe(c.release)}`);
            edge(`svc_${safe(c.release)}`, controllerId(c));
        }
    }
    for (const ingress of ingresses) {
        const from = ctrls.find((c) => c.className === ingress.inputs.spec?.ingressClassName);
        if (!from) continue;
        const rules: { host: string; http: { paths: { backend: { service: { name: string; port: { number: number } } } }[] } }[] = ingress.inputs.spec.rules ?? [];
        const backend = rules[0]?.http.paths[0].backend.service;
        if (!backend) continue;
        const hosts = rules.map((rule) => rule.host);
        const tls = (ingress.inputs.spec.tls ?? []).flatMap((entry: { hosts: string[] }) => entry.hosts);
        const label = hosts.map((host) => (tls.includes(host) ? `${host} (TLS)` : host)).join("<br/>");
        const target = ctrls.find((c) => c.release === backend.name && !c.hostNetwork);
        if (target) {
            const id = `svc_${safe(backend.name)}`;
            node(id, `Service ${backend.name} :${backend.port.number}`);
            edge(controllerId(from), id, label);
            edge(id, controllerId(target));
            continue;
        }
        const service = serviceOfChartService(backend.name);
        const id = `svc_${safe(backend.name)}`;
        node(id, `Service ${backend.name} :${backend.port.number}`);
        edge(controllerId(from), id, label);
        if (service) edge(id, podsOf(service));
    }
    return `${dedupe(lines).join("\n")}\n`;
}

/** A Mermaid id from a name. */
function safe(name: string): string {
    return name.replace(/[^A-Za-z0-9]/g, "_");
}

/** Node declarations repeated (a Service two Ingresses share) are drawn once. */
function dedupe(lines: string[]): string[] {
    const seen = new Set<string>();
    return lines.filter((line) => {
        if (line.includes("-->")) return true;
        if (seen.has(line)) return false;
        seen.add(line);
        return true;
    });
}
