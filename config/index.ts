// The stack config contract (`taco:*`), parsed and validated once into typed objects. Every default
// lives here; Pulumi.yaml declares the keys and their types only, and a test keeps the two in step.
import * as fs from "fs";
import * as path from "path";
import {
    API_PODS, API_SERVICES, ApiServiceName, CHARTS_WITH_VOLUME, DEFAULT_CHART_REPOSITORY, PINNED_CHART_VERSIONS,
    REPLICAS_PATH, SERVICE_NAMES, ServiceName,
} from "../lib/charts";
import { archiveName, localChartPath } from "../lib/chartBundle";
import { INGRESS_CONTROLLER_CHARTS } from "../lib/ingressControllers";
import * as check from "./check";
import { ConfigError, DNS_LABEL, DNS_SUBDOMAIN, Raw } from "./check";

export { ConfigError } from "./check";

export type Values = Record<string, unknown>;

export type ChartSource =
    | { kind: "repository"; url: string }
    | { kind: "local"; directory: string; charts: Record<ServiceName, LocalChart> };

/** A chart on disk: an unpacked chart directory or a packaged .tgz. */
export interface LocalChart {
    path: string;
    unpacked: boolean;
}

export interface Persistence {
    enabled: boolean;
    size?: string;
    storageClass?: string;
}

export interface ServiceSettings {
    /** Exact chart version to install. */
    version: string;
    replicas: number;
    /** Only for charts with a data volume. */
    persistence?: Persistence;
    /** Raw chart values, deep-merged over everything the program sets. */
    values: Values;
}

export type ExternalTrafficPolicy = "Local" | "Cluster";

export interface PublicEndpoint {
    scheme: "http" | "https";
    host: string;
    port: number;
}

export interface NodePortSettings {
    ports: Record<ApiServiceName, number>;
    externalTrafficPolicy: ExternalTrafficPolicy;
    range: { min: number; max: number };
    /** The external load balancer's front end, which keystone advertises in its catalog. */
    publicEndpoint?: PublicEndpoint;
}

export type TlsSettings =
    | { kind: "secret"; secretName: string }
    | { kind: "clusterIssuer"; clusterIssuer: string }
    | { kind: "selfSigned" };

export const INGRESS_CONTROLLERS = ["haproxy-ingress"] as const;
export type IngressControllerKind = (typeof INGRESS_CONTROLLERS)[number];

export interface IngressSettings {
    controller: IngressControllerKind;
    /** IngressClass of the namespace controller, which serves the per-service Ingresses. */
    className: string;
    /** IngressClass of the cluster-wide controller (hierarchical mode). */
    clusterClassName: string;
    publicDomain?: string;
    tls?: TlsSettings;
}

export const EXPOSURE_MODES = ["clusterip", "nodeport", "ingress", "hierarchical"] as const;
export type ExposureMode = (typeof EXPOSURE_MODES)[number];

/** Every mode's section is parsed whatever the mode, so that switching modes is a one-line change. */
export interface ExposureSettings {
    mode: ExposureMode;
    nodePort: NodePortSettings;
    ingress: IngressSettings;
    /** The entry point's stable address (ingress and hierarchical modes only). */
    vip: VipSettings;
}

/** A Kubernetes core/v1 Toleration. */
export interface Toleration {
    key?: string;
    operator?: "Exists" | "Equal";
    value?: string;
    effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
    tolerationSeconds?: number;
}

export interface NodesSettings {
    controlPlane: string[];
    /** Applied to every pod the program places on the control-plane nodes. */
    tolerations: Toleration[];
}

export const VIP_MODES = ["none", "interface", "l2", "routed"] as const;
export type VipMode = (typeof VIP_MODES)[number];

/** BFD timers in milliseconds (MetalLB BFDProfile units). */
export interface BfdSettings {
    receiveInterval: number;
    transmitInterval: number;
    detectMultiplier: number;
}

export interface BgpPeer {
    address: string;
    asn: number;
}

export interface BgpSettings {
    speaker: "metallb" | "calico";
    /** The nodes' AS. */
    myASN: number;
    /** The upstream routers. */
    peers: BgpPeer[];
    /** BGP hold time in seconds (keepalive is a third of it). */
    holdTime: number;
    bfd?: BfdSettings;
    /** The nodes' subnet (CIDR), for the router's `bgp listen range`; the plan never knows node addresses. */
    nodeSubnet?: string;
}

export interface MetalLbSettings {
    /** False when the cluster already runs MetalLB. */
    install: boolean;
}

export type VipSettings =
    | { mode: "none" }
    | { mode: "interface"; address: string; interface: string; tolerationSeconds: number }
    | { mode: "l2"; address: string; interface?: string; tolerationSeconds: number; metallb: MetalLbSettings }
    | { mode: "routed"; address: string; bgp: BgpSettings; metallb: MetalLbSettings };

export interface TacoConfig {
    namespace: string;
    charts: ChartSource;
    services: Record<ServiceName, ServiceSettings>;
    nodes: NodesSettings;
    exposure: ExposureSettings;
}

/** The `taco:*` keys, in the order Pulumi.yaml declares them. */
export const CONFIG_KEYS = ["namespace", "charts", "services", "nodes", "exposure"] as const;

export const DEFAULTS = {
    namespace: "openstack",
    chartRepository: DEFAULT_CHART_REPOSITORY,
    /** The article's lab: one rabbitmq without volume, mariadb without volume, 3 keystone APIs. */
    replicas: { rabbitmq: 1, memcached: 1, mariadb: 1, keystone: 3, horizon: 1 } as Record<ServiceName, number>,
    persistence: { enabled: false },
    exposureMode: "clusterip" as ExposureMode,
    nodePorts: { keystone: 30500, horizon: 31000 } as Record<ApiServiceName, number>,
    nodePortRange: "30000-32767",
    externalTrafficPolicy: "Local" as ExternalTrafficPolicy,
    ingressController: "haproxy-ingress" as IngressControllerKind,
    ingressClassName: "ingress-openstack",
    clusterIngressClassName: "ingress-cluster",
    /** Instead of the 300 s Kubernetes adds for unreachable and not-ready nodes. */
    vipTolerationSeconds: 30,
    bgpHoldTime: 9,
};

const VERSION = /^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$/;
const QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;

/**
 * Parses the stack's `taco:*` config. `raw` maps full keys (`taco:services`) to the strings Pulumi
 * holds: structured keys are JSON. Keys of other namespaces are ignored. Throws ConfigError.
 */
export function parseConfig(raw: Record<string, string>, projectDir: string = process.cwd()): TacoConfig {
    const values: Raw = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        if (!fullKey.startsWith("taco:")) continue;
        const key = fullKey.slice("taco:".length);
        if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
            throw new ConfigError(fullKey, text, `unknown key; allowed: ${CONFIG_KEYS.map((k) => `taco:${k}`).join(", ")}`);
        }
        values[key] = key === "namespace" ? text : parseJson(fullKey, text);
    }

    const namespace = values.namespace === undefined
        ? DEFAULTS.namespace
        : check.string("taco:namespace", values.namespace, DNS_LABEL, "a DNS label (lower-case letters, digits, '-')");
    const nodes = parseNodes(values.nodes);
    const exposure = parseExposure(values.exposure);
    if (pinsApiPodsToNodes(exposure) && nodes.controlPlane.length === 0) {
        throw new ConfigError("taco:nodes.controlPlane", undefined,
            "required in nodeport mode with externalTrafficPolicy Local: the nodes handed to the load balancer, each of which must run a keystone and a horizon pod");
    }
    const services = parseServices(values.services, exposure, nodes.controlPlane);
    const charts = parseCharts(values.charts, projectDir, services);
    if (charts.kind === "local" && (exposure.mode === "ingress" || exposure.mode === "hierarchical")) {
        const controller = INGRESS_CONTROLLER_CHARTS[exposure.ingress.controller];
        if (!localChartPath(charts.directory, controller.chart, controller.version)) {
            throw new ConfigError("taco:charts.repository", values.charts && (values.charts as Raw).repository,
                `expected ${controller.chart}/Chart.yaml (version ${controller.version}) or ${archiveName(controller.chart, controller.version)} in ${charts.directory} for the ingress controller (npm run charts -- pull)`);
        }
    }
    return { namespace, charts, services, nodes, exposure };
}

function parseJson(key: string, text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        throw new ConfigError(key, text, "expected a structured value (a YAML mapping in the stack file)");
    }
}

function parseNodes(value: unknown): NodesSettings {
    const nodes = check.optionalObject("taco:nodes", value, ["controlPlane", "tolerations"]);
    // Interim: taken as given until the config schema (issue 8) validates it.
    const tolerations = (nodes.tolerations ?? []) as Toleration[];
    if (nodes.controlPlane === undefined) return { controlPlane: [], tolerations };
    const controlPlane = check.stringList("taco:nodes.controlPlane", nodes.controlPlane, DNS_SUBDOMAIN, "node names");
    if (controlPlane.length === 0) {
        throw new ConfigError("taco:nodes.controlPlane", controlPlane, "expected at least one node name, or leave the key out");
    }
    return { controlPlane, tolerations };
}

function parseServices(value: unknown, exposure: ExposureSettings, controlPlane: string[]): Record<ServiceName, ServiceSettings> {
    const all = check.optionalObject("taco:services", value, SERVICE_NAMES);
    const services = {} as Record<ServiceName, ServiceSettings>;
    for (const name of SERVICE_NAMES) {
        const key = `taco:services.${name}`;
        const hasVolume = CHARTS_WITH_VOLUME.includes(name);
        const allowed = hasVolume ? ["version", "replicas", "persistence", "values"] : ["version", "replicas", "values"];
        const raw = check.optionalObject(key, all[name], allowed);
        services[name] = {
            version: raw.version === undefined ? PINNED_CHART_VERSIONS[name]
                : check.string(`${key}.version`, raw.version, VERSION, "an exact chart version such as 2026.1.4+0ee5adeff"),
            replicas: apiReplicas(name, raw.replicas, exposure, controlPlane),
            persistence: hasVolume ? parsePersistence(`${key}.persistence`, raw.persistence) : undefined,
            values: raw.values === undefined ? {} : rawValues(name, raw.values, pinsApiPods(name, exposure)),
        };
    }
    return services;
}

/**
 * The raw values escape hatch, minus the paths the program owns: replica counts (keystone's
 * transport URL lists rabbitmq pod by pod) and, where pods are pinned to nodes, their placement.
 */
function rawValues(name: ServiceName, value: unknown, pinned: boolean): Values {
    const key = `taco:services.${name}.values`;
    const values = check.anyObject(key, value);
    const owned: [string, string][] = [[REPLICAS_PATH[name], `set taco:services.${name}.replicas instead`]];
    if (pinned) {
        const why = "with nodeport and externalTrafficPolicy Local the program places these pods, one per taco:nodes.controlPlane node";
        owned.push([API_PODS[name as ApiServiceName].nodeLabelsPath, why], ["pod.affinity.anti.type", why]);
    }
    for (const [dotted, why] of owned) {
        const found = dotted.split(".").reduce<unknown>((node, part) => check.isPlainObject(node) ? node[part] : undefined, values);
        if (found !== undefined) throw new ConfigError(`${key}.${dotted}`, found, `not allowed here: ${why}`);
    }
    return values;
}

/**
 * With nodeport and `externalTrafficPolicy: Local` a node handed to the load balancer answers only
 * from a pod of its own, so keystone and horizon run exactly one pod on each control-plane node.
 */
export function pinsApiPodsToNodes(exposure: ExposureSettings): boolean {
    return exposure.mode === "nodeport" && exposure.nodePort.externalTrafficPolicy === "Local";
}

function pinsApiPods(name: ServiceName, exposure: ExposureSettings): boolean {
    return pinsApiPodsToNodes(exposure) && (API_SERVICES as readonly string[]).includes(name);
}

/** Replicas as given or defaulted; keystone's and horizon's follow the nodes where pods are pinned. */
function apiReplicas(name: ServiceName, value: unknown, exposure: ExposureSettings, controlPlane: string[]): number {
    const key = `taco:services.${name}.replicas`;
    const given = value === undefined ? undefined : check.integer(key, value, 0, 1000);
    if (!pinsApiPods(name, exposure)) return given ?? DEFAULTS.replicas[name];
    if (given !== undefined && given !== controlPlane.length) {
        throw new ConfigError(key, given,
            `with taco:exposure.mode nodeport and externalTrafficPolicy Local it must equal the number of taco:nodes.controlPlane (${controlPlane.length}), one pod per node; leave it out to have it set`);
    }
    return controlPlane.length;
}

function parsePersistence(key: string, value: unknown): Persistence {
    const raw = check.optionalObject(key, value, ["enabled", "size", "storageClass"]);
    const enabled = raw.enabled === undefined ? DEFAULTS.persistence.enabled : check.boolean(`${key}.enabled`, raw.enabled);
    return {
        enabled,
        size: raw.size === undefined ? undefined : check.string(`${key}.size`, raw.size, QUANTITY, "a storage quantity such as 5Gi"),
        storageClass: raw.storageClass === undefined ? undefined
            : check.string(`${key}.storageClass`, raw.storageClass, DNS_SUBDOMAIN, "a StorageClass name"),
    };
}

function parseCharts(value: unknown, projectDir: string, services: Record<ServiceName, ServiceSettings>): ChartSource {
    const raw = check.optionalObject("taco:charts", value, ["repository"]);
    if (raw.repository === undefined) return { kind: "repository", url: DEFAULTS.chartRepository };
    const repository = check.string("taco:charts.repository", raw.repository);
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository)) {
        if (!/^https:\/\/[^/\s]+/.test(repository)) {
            throw new ConfigError("taco:charts.repository", repository, "expected an https:// Helm repository or a local directory of charts");
        }
        return { kind: "repository", url: repository.replace(/\/+$/, "") };
    }
    const directory = path.resolve(projectDir, repository);
    if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
        throw new ConfigError("taco:charts.repository", repository, `expected an https:// Helm repository or an existing directory of charts; ${directory} is not a directory`);
    }
    const charts = {} as Record<ServiceName, LocalChart>;
    for (const name of SERVICE_NAMES) {
        const unpacked = path.join(directory, name);
        const archive = path.join(directory, `${name}-${services[name].version}.tgz`);
        if (fs.existsSync(path.join(unpacked, "Chart.yaml"))) charts[name] = { path: unpacked, unpacked: true };
        else if (fs.existsSync(archive)) charts[name] = { path: archive, unpacked: false };
        else throw new ConfigError("taco:charts.repository", repository, `expected ${name}/Chart.yaml or ${path.basename(archive)} in ${directory}`);
    }
    // Unpacked charts depend on file://../helm-toolkit, which `helm dependency update` resolves.
    const needsToolkit = Object.values(charts).some((chart) => chart.unpacked);
    if (needsToolkit && !fs.existsSync(path.join(directory, "helm-toolkit", "Chart.yaml"))) {
        throw new ConfigError("taco:charts.repository", repository, `unpacked charts need helm-toolkit/Chart.yaml beside them in ${directory}`);
    }
    return { kind: "local", directory, charts };
}

function parseExposure(value: unknown): ExposureSettings {
    const raw = check.optionalObject("taco:exposure", value, ["mode", "nodePort", "ingress", "vip"]);
    const mode = raw.mode === undefined ? DEFAULTS.exposureMode : check.oneOf("taco:exposure.mode", raw.mode, EXPOSURE_MODES);
    return { mode, nodePort: parseNodePort(raw.nodePort, mode === "nodeport"), ingress: parseIngress(raw.ingress), vip: interimVip(raw.vip) };
}

/** Interim: defaults filled in, nothing validated, until the config schema (issue 8) does it. */
function interimVip(value: unknown): VipSettings {
    const raw = (value ?? { mode: "none" }) as Record<string, any>;
    switch (raw.mode) {
        case "interface":
            return { tolerationSeconds: DEFAULTS.vipTolerationSeconds, ...raw } as VipSettings;
        case "l2":
            return { tolerationSeconds: DEFAULTS.vipTolerationSeconds, ...raw, metallb: { install: true, ...raw.metallb } } as VipSettings;
        case "routed":
            return { ...raw, bgp: { speaker: "metallb", holdTime: DEFAULTS.bgpHoldTime, ...raw.bgp }, metallb: { install: true, ...raw.metallb } } as VipSettings;
        default:
            return { mode: "none" };
    }
}

function parseNodePort(value: unknown, active: boolean): NodePortSettings {
    const key = "taco:exposure.nodePort";
    const raw = check.optionalObject(key, value, ["ports", "externalTrafficPolicy", "range", "publicEndpoint"]);
    const range = parseRange(`${key}.range`, raw.range ?? DEFAULTS.nodePortRange);
    const given = check.optionalObject(`${key}.ports`, raw.ports, API_SERVICES);
    const ports = {} as Record<ApiServiceName, number>;
    for (const service of API_SERVICES) {
        ports[service] = check.integer(`${key}.ports.${service}`, given[service] ?? DEFAULTS.nodePorts[service], range.min, range.max);
    }
    if (ports.keystone === ports.horizon) {
        throw new ConfigError(`${key}.ports.horizon`, ports.horizon, "must differ from taco:exposure.nodePort.ports.keystone");
    }
    const externalTrafficPolicy = raw.externalTrafficPolicy === undefined ? DEFAULTS.externalTrafficPolicy
        : check.oneOf(`${key}.externalTrafficPolicy`, raw.externalTrafficPolicy, ["Local", "Cluster"] as const);
    const publicEndpoint = raw.publicEndpoint === undefined ? undefined : parsePublicEndpoint(`${key}.publicEndpoint`, raw.publicEndpoint);
    if (active && !publicEndpoint) {
        throw new ConfigError(`${key}.publicEndpoint`, undefined,
            "required in nodeport mode: { scheme, host, port } of the external load balancer's front end, which keystone advertises as its public endpoint");
    }
    return { ports, externalTrafficPolicy, range, publicEndpoint };
}

function parseRange(key: string, value: unknown): { min: number; max: number } {
    const match = typeof value === "string" ? /^(\d+)-(\d+)$/.exec(value) : null;
    const min = match ? Number(match[1]) : NaN;
    const max = match ? Number(match[2]) : NaN;
    if (!match || min < 1 || max > 65535 || min >= max) {
        throw new ConfigError(key, value, "expected the cluster's --service-node-port-range as \"<min>-<max>\" within 1-65535, e.g. \"30000-32767\"");
    }
    return { min, max };
}

function parsePublicEndpoint(key: string, value: unknown): PublicEndpoint {
    const raw = check.object(key, value, ["scheme", "host", "port"]);
    const scheme = raw.scheme === undefined ? "http" : check.oneOf(`${key}.scheme`, raw.scheme, ["http", "https"] as const);
    return {
        scheme,
        host: check.string(`${key}.host`, raw.host, DNS_SUBDOMAIN, "a host name or IPv4 address"),
        port: raw.port === undefined ? (scheme === "https" ? 443 : 80) : check.integer(`${key}.port`, raw.port, 1, 65535),
    };
}

function parseIngress(value: unknown): IngressSettings {
    const key = "taco:exposure.ingress";
    const raw = check.optionalObject(key, value, ["controller", "className", "clusterClassName", "publicDomain", "tls"]);
    const controller = raw.controller === undefined ? DEFAULTS.ingressController
        : check.oneOf(`${key}.controller`, raw.controller, INGRESS_CONTROLLERS);
    const className = raw.className === undefined ? DEFAULTS.ingressClassName
        : check.string(`${key}.className`, raw.className, DNS_LABEL, "an IngressClass name (a DNS label)");
    const clusterClassName = raw.clusterClassName === undefined ? DEFAULTS.clusterIngressClassName
        : check.string(`${key}.clusterClassName`, raw.clusterClassName, DNS_LABEL, "an IngressClass name (a DNS label)");
    // Two controllers on one class would both serve every Ingress of it.
    if (className === clusterClassName) {
        throw new ConfigError(`${key}.clusterClassName`, clusterClassName, `must differ from ${key}.className: each controller serves its own IngressClass`);
    }
    const publicDomain = raw.publicDomain === undefined ? undefined
        : check.string(`${key}.publicDomain`, raw.publicDomain, /^(?=.{1,240}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/,
            "a DNS domain such as cloud.example.com (lower case, at least two labels)");
    const tls = raw.tls === undefined ? undefined : parseTls(`${key}.tls`, raw.tls);
    if (tls && !publicDomain) {
        throw new ConfigError(`${key}.tls`, raw.tls, `TLS covers the public hosts; set ${key}.publicDomain too, or remove ${key}.tls`);
    }
    return { controller, className, clusterClassName, publicDomain, tls };
}

function parseTls(key: string, value: unknown): TlsSettings {
    const raw = check.object(key, value, ["secretName", "clusterIssuer", "selfSigned"]);
    const given = Object.keys(raw);
    const allowed = "expected exactly one of { secretName: <existing kubernetes.io/tls Secret> }, { clusterIssuer: <cert-manager ClusterIssuer> }, { selfSigned: true }";
    if (given.length !== 1) throw new ConfigError(key, value, allowed);
    if (raw.secretName !== undefined) {
        return { kind: "secret", secretName: check.string(`${key}.secretName`, raw.secretName, DNS_SUBDOMAIN, "a Secret name") };
    }
    if (raw.clusterIssuer !== undefined) {
        return { kind: "clusterIssuer", clusterIssuer: check.string(`${key}.clusterIssuer`, raw.clusterIssuer, DNS_SUBDOMAIN, "a ClusterIssuer name") };
    }
    if (raw.selfSigned !== true) throw new ConfigError(`${key}.selfSigned`, raw.selfSigned, allowed);
    return { kind: "selfSigned" };
}
