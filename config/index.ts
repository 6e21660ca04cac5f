// The stack config contract (`taco:*`), parsed and validated once into typed objects. The shape of
// every key, its allowed values and its documented default come from one schema (config/schema.ts);
// what one key means for another is checked here. Nothing is registered before parseConfig returns.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as v from "valibot";
import {
    API_SERVICES, CHARTS_WITH_VOLUME, DEFAULT_CHART_REPOSITORY, PINNED_CHART_VERSIONS,
    rabbitmqStatefulSetName, SERVICE_NAMES, ServiceName,
} from "../lib/charts";
import { archiveName, localChartPath } from "../lib/chartBundle";
import { CATALOG_SERVICES, CatalogService, deployedByProgram, EXPOSURE_CATALOG, nodePortServiceName } from "../lib/exposureCatalog";
import { INGRESS_CONTROLLER_CHARTS } from "../lib/ingressControllers";
import { installsMetalLb, METALLB_CHART } from "../lib/vip";
import { CREDENTIAL_IDS, CredentialId, ownedConflict, touchesOwned } from "../lib/ownedValues";
import { ConfigError, HIDDEN, isPlainObject, Raw, show } from "./check";
import {
    ALLOWED_KEYS, CONFIG_KEYS, DEFAULT_BGP_HOLD_TIME, DEFAULT_EXPOSED_SERVICES, DEFAULT_NODE_PORTS, DEFAULT_REPLICAS, DEFAULT_VIP_TOLERATION_SECONDS,
    EXPOSURE_MODES, INGRESS_CONTROLLERS, LIMITS,
    RESERVED_NAMESPACES, SCALAR_KEYS, stackSchema, StackConfigShape, VIP_MODES, VipShape,
} from "./schema";

export { ConfigError } from "./check";
export { CONFIG_KEYS, EXPOSURE_MODES, INGRESS_CONTROLLERS, LIMITS, VIP_MODES } from "./schema";

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
    /** Values paths → secrets of taco:secrets, placed last as secret Outputs. */
    secretValues: Record<string, pulumi.Output<string>>;
}

export type ExternalTrafficPolicy = "Local" | "Cluster";

export interface PublicEndpoint {
    scheme: "http" | "https";
    host: string;
    port: number;
}

export interface NodePortSettings {
    /** The node port of each exposed service. */
    ports: Partial<Record<CatalogService, number>>;
    externalTrafficPolicy: ExternalTrafficPolicy;
    range: { min: number; max: number };
    /** The external load balancer's front end, which keystone advertises in its catalog. */
    publicEndpoint?: PublicEndpoint;
}

export type TlsSettings =
    | { kind: "secret"; secretName: string }
    | { kind: "clusterIssuer"; clusterIssuer: string }
    | { kind: "selfSigned" };

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

export type ExposureMode = (typeof EXPOSURE_MODES)[number];

/** Every mode's section is parsed whatever the mode, so that switching modes is a one-line change. */
/** A catalog entry to expose, and the release whose pods serve it (`release_group`). */
export interface ExposedService {
    name: CatalogService;
    release: string;
}

export interface ExposureSettings {
    mode: ExposureMode;
    /** In catalog order; keystone and horizon unless taco:exposure.services says otherwise. */
    services: ExposedService[];
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
    /** Credentials the operator chose (secret Outputs from taco:secrets); the rest are generated. */
    credentials: Partial<Record<CredentialId, pulumi.Output<string>>>;
    /** `protect` on the stateful releases and the generated secrets. */
    protect: boolean;
}

export const DEFAULTS = {
    namespace: "openstack",
    chartRepository: DEFAULT_CHART_REPOSITORY,
    /** The article's lab: one rabbitmq without volume, mariadb without volume, 3 keystone APIs. */
    replicas: DEFAULT_REPLICAS,
    persistence: { enabled: false },
    exposureMode: "clusterip" as ExposureMode,
    nodePorts: DEFAULT_NODE_PORTS,
    nodePortRange: "30000-32767",
    externalTrafficPolicy: "Local" as ExternalTrafficPolicy,
    ingressController: "haproxy-ingress" as IngressControllerKind,
    ingressClassName: "ingress-openstack",
    clusterIngressClassName: "ingress-cluster",
    /** Instead of the 300 s Kubernetes adds for unreachable and not-ready nodes. */
    vipTolerationSeconds: DEFAULT_VIP_TOLERATION_SECONDS,
    bgpHoldTime: DEFAULT_BGP_HOLD_TIME,
    /** For every stack but `dev` (see protectByDefault). */
    protect: true,
};

/** `taco:protect` unless set: on, except on the stack named `dev`. */
export function protectByDefault(stack: string): boolean {
    return stack !== "dev";
}

/** Names the program's releases and Services take in the namespace; an ingress release may not take one. */
const NAMES_TAKEN = [
    ...SERVICE_NAMES, rabbitmqStatefulSetName("rabbitmq"),
    ...CATALOG_SERVICES.flatMap((service) => [EXPOSURE_CATALOG[service].service.name, nodePortServiceName(service)]),
];

export interface ParseOptions {
    /** Full keys Pulumi holds as secrets (PULUMI_CONFIG_SECRET_KEYS). */
    secretKeys?: readonly string[];
    /** The stack's name (pulumi.getStack()); decides taco:protect's default. */
    stack?: string;
    /** Where warnings go (pulumi.log.warn in a run). */
    warn?: (message: string) => void;
}

const SECRETS_KEY = "taco:secrets";
const SECRET_HOME = "a secret belongs in taco:secrets (pulumi config set --secret --path 'taco:secrets.<name>' <value>), "
    + "named from taco:credentials.<credential> or taco:services.<svc>.secretValues";

/**
 * The stack config as `pulumi preview` hands it to the program: every key, and which of them are
 * secret. `isConfigSecret` reads PULUMI_CONFIG_SECRET_KEYS, which the Node.js language host sets
 * (and which `setAllConfig(config, secretKeys)` sets under the mocks). It is marked internal in the
 * SDK's types: the public API has no synchronous way to ask, so it is checked to exist.
 */
export function loadConfig(): TacoConfig {
    const raw = pulumi.runtime.allConfig();
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean }).isConfigSecret;
    if (typeof isConfigSecret !== "function") {
        throw new Error("this @pulumi/pulumi has no runtime.isConfigSecret: the program cannot tell secret config from plain and stops");
    }
    return parseConfig(raw, process.cwd(), {
        secretKeys: Object.keys(raw).filter((key) => isConfigSecret(key)),
        stack: pulumi.getStack(),
        warn: (message) => pulumi.log.warn(message),
    });
}

/**
 * Parses the stack's `taco:*` config. `raw` maps full keys (`taco:services`) to the strings Pulumi
 * holds: structured keys are JSON. Keys of other namespaces are ignored. Throws ConfigError.
 */
export function parseConfig(raw: Record<string, string>, projectDir: string = process.cwd(), options: ParseOptions = {}): TacoConfig {
    const secretKeys = new Set(options.secretKeys ?? []);
    const values: Raw = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        if (!fullKey.startsWith("taco:")) continue;
        const key = fullKey.slice("taco:".length);
        const secret = secretKeys.has(fullKey);
        if (!(CONFIG_KEYS as readonly string[]).includes(key)) {
            throw new ConfigError(fullKey, secret ? HIDDEN : text, `unknown key; allowed: ${CONFIG_KEYS.map((k) => `taco:${k}`).join(", ")}`);
        }
        // Pulumi tracks secrecy per top-level key: a secret anywhere else would reach release inputs
        // and outputs in plain text, so it is refused rather than guessed at.
        if (secret && fullKey !== SECRETS_KEY) throw new ConfigError(fullKey, HIDDEN, `this key is not secret config; ${SECRET_HOME}`);
        if (!secret && fullKey === SECRETS_KEY) {
            throw new ConfigError(fullKey, HIDDEN, "its values must be set with --secret (pulumi config set --secret --path 'taco:secrets.<name>' <value>) so the stack file holds them encrypted");
        }
        if (text.length > 1_000_000) throw new ConfigError(fullKey, secret ? HIDDEN : `${text.slice(0, 40)}...`, "expected at most 1000000 characters");
        values[key] = key === "protect" ? parseBoolean(fullKey, text)
            : (SCALAR_KEYS as readonly string[]).includes(key) ? text : parseJson(fullKey, text, secret);
    }
    for (const name of SERVICE_NAMES) checkValuesBounds(name, (values.services as Raw | undefined)?.[name]);

    const parsed = v.safeParse(stackSchema, values);
    if (!parsed.success) throw issueToError(parsed.issues, values);
    const shape = parsed.output;

    const namespace = parseNamespace(shape.namespace);
    const secrets = shape.secrets ?? {};
    const nodes = parseNodes(shape.nodes);
    const exposure = parseExposure(shape.exposure, nodes, options.warn ?? (() => undefined));
    if (pinsApiPodsToNodes(exposure) && nodes.controlPlane.length === 0) {
        throw new ConfigError("taco:nodes.controlPlane", undefined,
            "required in nodeport mode with externalTrafficPolicy Local: the nodes handed to the load balancer, each of which must run a keystone and a horizon pod");
    }
    const secretOutputs = new Map<string, pulumi.Output<string>>();
    const secretOutput = (key: string, name: string): pulumi.Output<string> => {
        if (!Object.prototype.hasOwnProperty.call(secrets, name)) {
            throw new ConfigError(key, name, `expected the name of a secret in taco:secrets; defined: ${Object.keys(secrets).join(", ") || "none"}`);
        }
        if (!secretOutputs.has(name)) secretOutputs.set(name, pulumi.secret(secrets[name]));
        return secretOutputs.get(name)!;
    };
    const services = parseServices(shape.services, exposure, nodes.controlPlane, secretOutput);
    const charts = parseCharts(shape.charts?.repository, projectDir, services);
    const credentials: Partial<Record<CredentialId, pulumi.Output<string>>> = {};
    for (const id of CREDENTIAL_IDS) {
        const name = shape.credentials?.[id];
        if (name === undefined) continue;
        checkCredentialSecret(`taco:credentials.${id}`, name, Object.prototype.hasOwnProperty.call(secrets, name) ? secrets[name] : undefined);
        credentials[id] = secretOutput(`taco:credentials.${id}`, name);
    }
    if (charts.kind === "local") {
        // The controllers' charts come from the same directory: check them here, before anything is registered.
        const needed = [
            ...(exposure.mode === "ingress" || exposure.mode === "hierarchical"
                ? [{ ...INGRESS_CONTROLLER_CHARTS[exposure.ingress.controller], purpose: "the ingress controller" }] : []),
            ...(installsMetalLb(exposure.vip) ? [{ ...METALLB_CHART, purpose: "the VIP's MetalLB" }] : []),
        ];
        for (const { chart, version, purpose } of needed) {
            if (!localChartPath(charts.directory, chart, version)) {
                throw new ConfigError("taco:charts.repository", shape.charts?.repository,
                    `expected ${chart}/Chart.yaml (version ${version}) or ${archiveName(chart, version)} in ${charts.directory} for ${purpose} (npm run charts -- pull --stack <stack>)`);
            }
        }
    }
    const protect = shape.protect ?? protectByDefault(options.stack ?? pulumi.getStack());
    return { namespace, charts, services, nodes, exposure, credentials, protect };
}

function parseJson(key: string, text: string, secret: boolean): unknown {
    try {
        return JSON.parse(text);
    } catch {
        throw new ConfigError(key, secret ? HIDDEN : text, "expected a structured value (a YAML mapping in the stack file)");
    }
}

function parseBoolean(key: string, text: string): boolean {
    if (text !== "true" && text !== "false") throw new ConfigError(key, text, "expected true or false");
    return text === "true";
}

/** Dotted key of a schema issue path: `taco:services.keystone.values`, `taco:nodes.tolerations[0].key`. */
function keyOf(issuePath: readonly PropertyKey[]): string {
    return issuePath.reduce<string>((key, part, i) => {
        if (i === 0) return `taco:${String(part)}`;
        if (typeof part === "number") return `${key}[${part}]`;
        // A key an operator could not have meant as a path step (spaces, quotes, empty) is shown quoted.
        return /^[A-Za-z0-9_.\/-]+$/.test(String(part)) ? `${key}.${String(part)}` : `${key}[${JSON.stringify(String(part))}]`;
    }, "");
}

function valueAt(values: unknown, issuePath: readonly PropertyKey[]): unknown {
    let node = values;
    for (const part of issuePath) {
        if (node === null || typeof node !== "object") return undefined;
        node = (node as Record<PropertyKey, unknown>)[part];
    }
    return node;
}

/** The first schema issue as a ConfigError: a key that does not belong is reported before anything else. */
function issueToError(issues: readonly v.BaseIssue<unknown>[], values: Raw): ConfigError {
    // A strict object's issue that expects `never` at a key is about a key that does not belong.
    const unknownKey = (i: v.BaseIssue<unknown>) => i.type === "strict_object" && i.expected === "never";
    const issue = issues.find(unknownKey) ?? issues[0];
    const path = (issue.path ?? []).map((step) => step.key as PropertyKey);
    const hidden = (p: readonly PropertyKey[]) => p[0] === "secrets" && p.length > 1;
    if (unknownKey(issue)) {
        const parent = path.slice(0, -1);
        const allowed = issue.message.startsWith(ALLOWED_KEYS) ? issue.message.slice(ALLOWED_KEYS.length) : `: ${issue.message}`;
        return new ConfigError(keyOf(path), hidden(path) ? HIDDEN : valueAt(values, path), `unknown key; ${ALLOWED_KEYS}${keyOf(parent)}${allowed}`);
    }
    const last = issue.path?.[issue.path.length - 1];
    if (last?.type === "object" && last.origin === "key" && issue.type !== "strict_object") {
        // A mapping's key that its key schema refuses: the key itself is the value shown.
        return new ConfigError(keyOf(path), last.key, issue.message);
    }
    return new ConfigError(keyOf(path), hidden(path) ? HIDDEN : valueAt(values, path), issue.message);
}

/** Nesting and size of raw values, checked without recursion before anything walks them. */
function checkValuesBounds(name: ServiceName, service: unknown): void {
    if (!isPlainObject(service) || service.values === undefined) return;
    const key = `taco:services.${name}.values`;
    const stack: [unknown, number][] = [[service.values, 1]];
    let nodes = 0;
    while (stack.length > 0) {
        const [node, depth] = stack.pop()!;
        if (node === null || typeof node !== "object") continue;
        if (depth > LIMITS.valuesDepth) {
            throw new ConfigError(key, "a value nested more than 32 deep", `expected chart values nested at most ${LIMITS.valuesDepth} deep`);
        }
        for (const [name, child] of Object.entries(node)) {
            if (++nodes > LIMITS.valuesChars) throw new ConfigError(key, `more than ${LIMITS.valuesChars} entries`, `expected at most ${LIMITS.valuesChars} characters of values`);
            // JSON.parse keeps "__proto__" as a key; any merge by assignment would make it a prototype instead.
            if (name === "__proto__") throw new ConfigError(key, name, "a key named __proto__ is not allowed in chart values");
            stack.push([child, depth + 1]);
        }
    }
    const size = JSON.stringify(service.values).length;
    if (size > LIMITS.valuesChars) {
        throw new ConfigError(key, `${size} characters of values`, `expected at most ${LIMITS.valuesChars} characters of values (Helm keeps a release in one Secret of at most 1 MiB)`);
    }
}

function parseNamespace(value: string | undefined): string {
    if (value === undefined) return DEFAULTS.namespace;
    if ((RESERVED_NAMESPACES as readonly string[]).includes(value)) {
        throw new ConfigError("taco:namespace", value, `expected a namespace of the program's own; not ${RESERVED_NAMESPACES.join(", ")}`);
    }
    return value;
}

function parseNodes(value: StackConfigShape["nodes"]): NodesSettings {
    const tolerations = (value?.tolerations ?? []).map((toleration, i) => parseToleration(`taco:nodes.tolerations[${i}]`, toleration));
    const controlPlane = value?.controlPlane;
    if (controlPlane === undefined) return { controlPlane: [], tolerations };
    if (controlPlane.length === 0) {
        throw new ConfigError("taco:nodes.controlPlane", controlPlane, "expected at least one node name, or leave the key out");
    }
    const twice = controlPlane.find((node, i) => controlPlane.indexOf(node) !== i);
    if (twice !== undefined) throw new ConfigError("taco:nodes.controlPlane", controlPlane, `expected distinct entries; ${show(twice)} is listed twice`);
    return { controlPlane, tolerations };
}

/** What the Kubernetes API server would refuse in a toleration, refused before anything is registered. */
function parseToleration(key: string, toleration: Toleration): Toleration {
    const operator = toleration.operator ?? "Equal";
    if (operator === "Exists" && toleration.value !== undefined && toleration.value !== "") {
        throw new ConfigError(`${key}.value`, toleration.value, "must be left out with operator Exists (it matches any value)");
    }
    if (operator === "Equal" && !toleration.key) {
        throw new ConfigError(`${key}.key`, toleration.key, "required with operator Equal (only operator Exists may leave the key out, to match every taint)");
    }
    if (toleration.tolerationSeconds !== undefined && toleration.effect !== "NoExecute") {
        throw new ConfigError(`${key}.tolerationSeconds`, toleration.tolerationSeconds, "allowed only with effect NoExecute");
    }
    return toleration;
}

/** One service's entry as the schema gives it (rabbitmq's has every field). */
type ServiceShape = NonNullable<NonNullable<StackConfigShape["services"]>["rabbitmq"]>;

function parseServices(
    value: StackConfigShape["services"], exposure: ExposureSettings, controlPlane: string[],
    secretOutput: (key: string, name: string) => pulumi.Output<string>,
): Record<ServiceName, ServiceSettings> {
    const services = {} as Record<ServiceName, ServiceSettings>;
    for (const name of SERVICE_NAMES) {
        const key = `taco:services.${name}`;
        const given: ServiceShape = value?.[name] ?? {};
        const values = given.values ?? {};
        const conflict = ownedConflict(name, values);
        if (conflict) throw new ConfigError(`${key}.values.${conflict.path}`, conflict.value, `not allowed here: ${conflict.instead}`);
        const secretValues: Record<string, pulumi.Output<string>> = {};
        const placed = Object.keys(given.secretValues ?? {});
        for (const [dotted, secretName] of Object.entries(given.secretValues ?? {})) {
            const at = `${key}.secretValues.${dotted}`;
            const inside = placed.find((other) => other.startsWith(`${dotted}.`));
            if (inside) throw new ConfigError(at, secretName, `${key}.secretValues also places ${inside} inside it; a secret is one leaf`);
            const owned = touchesOwned(name, dotted);
            if (owned) throw new ConfigError(at, secretName, `not allowed here: ${owned.instead}`);
            if (valueAtDotted(values, dotted) !== undefined) {
                throw new ConfigError(at, secretName, `${key}.values sets ${dotted} too; set it in one place`);
            }
            secretValues[dotted] = secretOutput(at, secretName);
        }
        services[name] = {
            version: given.version ?? PINNED_CHART_VERSIONS[name],
            replicas: apiReplicas(name, given.replicas, exposure, controlPlane),
            persistence: CHARTS_WITH_VOLUME.includes(name) ? parsePersistence(`${key}.persistence`, given.persistence as PersistenceShape) : undefined,
            values,
            secretValues,
        };
    }
    return services;
}

/** Whether `dotted` or one of its ancestors is set in `values`. */
function valueAtDotted(values: Values, dotted: string): unknown {
    let node: unknown = values;
    for (const part of dotted.split(".")) {
        if (!isPlainObject(node)) return node;
        node = node[part];
        if (node === undefined) return undefined;
    }
    return node;
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
function apiReplicas(name: ServiceName, given: number | undefined, exposure: ExposureSettings, controlPlane: string[]): number {
    const key = `taco:services.${name}.replicas`;
    if (!pinsApiPods(name, exposure)) return given ?? DEFAULTS.replicas[name];
    if (given !== undefined && given !== controlPlane.length) {
        throw new ConfigError(key, given,
            `with taco:exposure.mode nodeport and externalTrafficPolicy Local it must equal the number of taco:nodes.controlPlane (${controlPlane.length}), one pod per node; leave it out to have it set`);
    }
    return controlPlane.length;
}

type PersistenceShape = { enabled?: boolean; size?: string; storageClass?: string } | null | undefined;

function parsePersistence(key: string, value: PersistenceShape): Persistence {
    const size = value?.size;
    if (size !== undefined && Number(/^[\d.]+/.exec(size)?.[0]) === 0) {
        throw new ConfigError(`${key}.size`, size, "expected a storage quantity greater than zero such as 5Gi");
    }
    return { enabled: value?.enabled ?? DEFAULTS.persistence.enabled, size, storageClass: value?.storageClass };
}

/**
 * An https URL by the WHATWG URL parser, or a local directory. Credentials stay out of the URL (it
 * is written to state and plan files); whitespace and control characters are refused outright.
 */
function parseCharts(repository: string | undefined, projectDir: string, services: Record<ServiceName, ServiceSettings>): ChartSource {
    const key = "taco:charts.repository";
    if (repository === undefined) return { kind: "repository", url: DEFAULTS.chartRepository };
    // eslint-disable-next-line no-control-regex
    if (/[\s\u0000-\u001f\u007f]/.test(repository)) {
        throw new ConfigError(key, repository, "expected an https:// Helm repository or a local directory of charts, without whitespace or control characters");
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(repository) && !/^[a-z]:[\\/]/i.test(repository)) {
        const allowed = "expected an https:// Helm repository (no user or password in the URL: a private repository's credentials go in taco:secrets; no query or fragment) or a local directory of charts";
        let url: URL;
        try {
            url = new URL(repository);
        } catch {
            throw new ConfigError(key, repository, allowed);
        }
        if (url.protocol !== "https:" || !url.hostname || url.username || url.password || url.search || url.hash) {
            throw new ConfigError(key, repository, allowed);
        }
        return { kind: "repository", url: url.href.replace(/\/+$/, "") };
    }
    const directory = path.resolve(projectDir, repository);
    if (!fs.existsSync(directory) || !fs.statSync(directory).isDirectory()) {
        throw new ConfigError(key, repository, `expected an https:// Helm repository or an existing directory of charts; ${directory} is not a directory`);
    }
    const charts = {} as Record<ServiceName, LocalChart>;
    for (const name of SERVICE_NAMES) {
        const unpacked = path.join(directory, name);
        const archive = path.join(directory, `${name}-${services[name].version}.tgz`);
        if (fs.existsSync(path.join(unpacked, "Chart.yaml"))) charts[name] = { path: unpacked, unpacked: true };
        else if (fs.existsSync(archive)) charts[name] = { path: archive, unpacked: false };
        else throw new ConfigError(key, repository, `expected ${name}/Chart.yaml or ${path.basename(archive)} in ${directory}`);
    }
    // Unpacked charts depend on file://../helm-toolkit, which `helm dependency update` resolves.
    const needsToolkit = Object.values(charts).some((chart) => chart.unpacked);
    if (needsToolkit && !fs.existsSync(path.join(directory, "helm-toolkit", "Chart.yaml"))) {
        throw new ConfigError(key, repository, `unpacked charts need helm-toolkit/Chart.yaml beside them in ${directory}`);
    }
    return { kind: "local", directory, charts };
}

/** A credential the charts write into config files and URLs: printable, no quotes, spaces or URL delimiters. */
function checkCredentialSecret(key: string, name: string, value: string | undefined): void {
    if (value !== undefined && !/^[A-Za-z0-9!%*+,\-.=^_~]{8,128}$/.test(value)) {
        throw new ConfigError(`taco:secrets.${name}`, HIDDEN,
            `named by ${key}: expected 8 to 128 letters, digits or !%*+,-.=^_~ (the charts write credentials unquoted into config files and URLs)`);
    }
}

function parseExposure(value: StackConfigShape["exposure"], nodes: NodesSettings, warn: (message: string) => void): ExposureSettings {
    const mode = value?.mode ?? DEFAULTS.exposureMode;
    const services = parseExposedServices(value?.services);
    const nodePort = parseNodePort(value?.nodePort, mode === "nodeport", services);
    const ingress = parseIngress(value?.ingress);
    const vip = parseVip(value?.vip, mode, nodes, warn);
    return { mode, services, nodePort, ingress, vip };
}

/**
 * The exposed catalog entries and their releases. keystone's and horizon's releases are the
 * program's own (named after their charts); another chart's release is the operator's, named
 * after its chart unless given. The schema has already refused names outside the catalog.
 */
function parseExposedServices(value: NonNullable<StackConfigShape["exposure"]>["services"]): ExposedService[] {
    const given: Partial<Record<CatalogService, { release?: string } | null | undefined>> = value
        ?? Object.fromEntries(DEFAULT_EXPOSED_SERVICES.map((service) => [service, {}]));
    return CATALOG_SERVICES.filter((service) => service in given).map((service) => {
        const release = given[service]?.release;
        if (release !== undefined && deployedByProgram(service) && release !== service) {
            throw new ConfigError(`taco:exposure.services.${service}.release`, release,
                `${service} is deployed by this program as release ${service}; a release may be named only for ${CATALOG_SERVICES.filter((s) => !deployedByProgram(s)).join(", ")}`);
        }
        return { name: service, release: release ?? EXPOSURE_CATALOG[service].chart };
    });
}

function parseNodePort(value: NonNullable<StackConfigShape["exposure"]>["nodePort"], active: boolean, services: ExposedService[]): NodePortSettings {
    const key = "taco:exposure.nodePort";
    const range = parseRange(`${key}.range`, value?.range ?? DEFAULTS.nodePortRange);
    const ports: Partial<Record<CatalogService, number>> = {};
    const holder = new Map<number, CatalogService>();
    for (const { name: service } of services) {
        const port = value?.ports?.[service] ?? DEFAULTS.nodePorts[service];
        if (typeof port !== "number" || !Number.isInteger(port) || port < range.min || port > range.max) {
            throw new ConfigError(`${key}.ports.${service}`, port, `expected a whole number from ${range.min} to ${range.max}`);
        }
        const other = holder.get(port);
        if (other) throw new ConfigError(`${key}.ports.${service}`, port, `must differ from taco:exposure.nodePort.ports.${other}`);
        holder.set(port, service);
        ports[service] = port;
    }
    const exposed = new Set(services.map(({ name }) => name));
    for (const [service, port] of Object.entries(value?.ports ?? {})) {
        if (port !== undefined && !exposed.has(service as CatalogService)) {
            throw new ConfigError(`${key}.ports.${service}`, port,
                `${service} is not exposed: add it to taco:exposure.services (exposed: ${[...exposed].join(", ") || "none"}) or leave its port out`);
        }
    }
    const externalTrafficPolicy = value?.externalTrafficPolicy ?? DEFAULTS.externalTrafficPolicy;
    const publicEndpoint = value?.publicEndpoint ? parsePublicEndpoint(`${key}.publicEndpoint`, value.publicEndpoint) : undefined;
    if (active && !publicEndpoint) {
        throw new ConfigError(`${key}.publicEndpoint`, undefined,
            "required in nodeport mode: { scheme, host, port } of the external load balancer's front end, which keystone advertises as its public endpoint");
    }
    // The load balancer serves every other API on its own port (lib/endpoints.ts publicEndpointOf).
    const sharing = services.find(({ name }) => name !== "keystone" && name !== "horizon" && EXPOSURE_CATALOG[name].service.port === publicEndpoint?.port);
    if (active && sharing) {
        throw new ConfigError(`${key}.publicEndpoint.port`, publicEndpoint!.port,
            `must differ from the port the load balancer serves ${sharing.name} on (${EXPOSURE_CATALOG[sharing.name].service.port}, its API's own)`);
    }
    return { ports, externalTrafficPolicy, range, publicEndpoint };
}

function parseRange(key: string, value: unknown): { min: number; max: number } {
    const match = typeof value === "string" ? /^(\d{1,5})-(\d{1,5})$/.exec(value) : null;
    const min = match ? Number(match[1]) : NaN;
    const max = match ? Number(match[2]) : NaN;
    if (!match || min < 1 || max > 65535 || min >= max) {
        throw new ConfigError(key, value, "expected the cluster's --service-node-port-range as \"<min>-<max>\" within 1-65535, e.g. \"30000-32767\"");
    }
    return { min, max };
}

/** A DNS name whose labels are at most 63 characters and which is not a dotted number (an IP or a mistyped one). */
function isHostName(host: string): boolean {
    return /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/.test(host) && !/^[\d.]+$/.test(host);
}

function parsePublicEndpoint(key: string, value: { scheme?: "http" | "https"; host: string; port?: number }): PublicEndpoint {
    const scheme = value.scheme ?? "http";
    if (!isHostName(value.host) && !net.isIPv4(value.host)) {
        throw new ConfigError(`${key}.host`, value.host, "expected a host name or IPv4 address");
    }
    return { scheme, host: value.host, port: value.port ?? (scheme === "https" ? 443 : 80) };
}

function parseIngress(value: NonNullable<StackConfigShape["exposure"]>["ingress"]): IngressSettings {
    const key = "taco:exposure.ingress";
    const controller = value?.controller ?? DEFAULTS.ingressController;
    const className = value?.className ?? DEFAULTS.ingressClassName;
    const clusterClassName = value?.clusterClassName ?? DEFAULTS.clusterIngressClassName;
    // Two controllers on one class would both serve every Ingress of it.
    if (className === clusterClassName) {
        throw new ConfigError(`${key}.clusterClassName`, clusterClassName, `must differ from ${key}.className: each controller serves its own IngressClass`);
    }
    // Each class names the release (and Service) of its controller.
    for (const [field, name] of [["className", className], ["clusterClassName", clusterClassName]] as const) {
        if (NAMES_TAKEN.includes(name)) {
            throw new ConfigError(`${key}.${field}`, name, `names the controller's release and Service, and may not be one the program already creates: ${NAMES_TAKEN.join(", ")}`);
        }
    }
    const publicDomain = value?.publicDomain;
    if (publicDomain !== undefined && (!isHostName(publicDomain) || !publicDomain.includes(".") || /^\d+$/.test(publicDomain.split(".").pop()!))) {
        throw new ConfigError(`${key}.publicDomain`, publicDomain, "expected a DNS domain such as cloud.example.com (lower case, at least two labels, not an IP address)");
    }
    const tls = value?.tls === undefined ? undefined : parseTls(`${key}.tls`, value.tls);
    if (tls && !publicDomain) {
        throw new ConfigError(`${key}.tls`, value?.tls, `TLS covers the public hosts; set ${key}.publicDomain too, or remove ${key}.tls`);
    }
    return { controller, className, clusterClassName, publicDomain, tls };
}

function parseTls(key: string, value: { secretName?: string; clusterIssuer?: string; selfSigned?: true }): TlsSettings {
    if (Object.keys(value).length !== 1) {
        throw new ConfigError(key, value, "expected exactly one of { secretName: <existing kubernetes.io/tls Secret> }, { clusterIssuer: <cert-manager ClusterIssuer> }, { selfSigned: true }");
    }
    if (value.secretName !== undefined) return { kind: "secret", secretName: value.secretName };
    if (value.clusterIssuer !== undefined) return { kind: "clusterIssuer", clusterIssuer: value.clusterIssuer };
    return { kind: "selfSigned" };
}

/** IPv4 address as a number. */
function ipv4Number(address: string): number {
    return address.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

/** Addresses no host can hold: unspecified, broadcast, loopback, multicast. */
function notAHost(address: string): string | undefined {
    if (net.isIPv4(address)) {
        const n = ipv4Number(address);
        if (n === 0) return "the unspecified address";
        if (n === 0xffffffff) return "the broadcast address";
        if (address.startsWith("127.")) return "a loopback address";
        if (n >= 0xe0000000) return "a multicast or reserved address";
        return undefined;
    }
    const lower = address.toLowerCase();
    if (lower === "::") return "the unspecified address";
    if (lower === "::1") return "the loopback address";
    if (lower.startsWith("ff")) return "a multicast address";
    return undefined;
}

function parseVip(value: VipShape | undefined, mode: ExposureMode, nodes: NodesSettings, warn: (message: string) => void): VipSettings {
    const key = "taco:exposure.vip";
    if (value === undefined || value.mode === "none") return { mode: "none" };
    if (mode !== "ingress" && mode !== "hierarchical") {
        throw new ConfigError(`${key}.mode`, value.mode,
            `a VIP fronts the ingress controller: allowed only with taco:exposure.mode ingress or hierarchical (the mode is ${mode}); set taco:exposure.vip.mode none or leave it out`);
    }
    if (nodes.controlPlane.length === 0) {
        throw new ConfigError("taco:nodes.controlPlane", undefined, `required with taco:exposure.vip.mode ${value.mode}: the nodes that may hold or announce the VIP`);
    }
    const why = notAHost(value.address);
    if (why) throw new ConfigError(`${key}.address`, value.address, `expected a single host address (IPv4 or IPv6), not ${why}`);
    if (value.mode !== "routed") return value;

    const { bgp } = value;
    if (bgp.bfd && bgp.speaker === "calico") {
        throw new ConfigError(`${key}.bgp.bfd`, bgp.bfd, "Calico's BGP has no BFD: leave bfd out with speaker calico, or use speaker metallb");
    }
    bgp.peers.forEach((peer, i) => {
        const peerWhy = notAHost(peer.address);
        if (peerWhy) throw new ConfigError(`${key}.bgp.peers[${i}].address`, peer.address, `expected the IP address of an upstream router, not ${peerWhy}`);
        if (peer.address === value.address) throw new ConfigError(`${key}.bgp.peers[${i}].address`, peer.address, "must differ from taco:exposure.vip.address");
    });
    const peerTwice = bgp.peers.find((peer, i) => bgp.peers.findIndex((other) => other.address === peer.address) !== i);
    if (peerTwice) throw new ConfigError(`${key}.bgp.peers`, bgp.peers, `expected distinct peer addresses; ${peerTwice.address} is listed twice`);
    if (bgp.nodeSubnet !== undefined) checkSubnet(`${key}.bgp.nodeSubnet`, bgp.nodeSubnet, value.address);
    if (nodes.controlPlane.length === 1) {
        warn(`${key}.mode routed with a single taco:nodes.controlPlane node: there is no second path (no ECMP), so the VIP is withdrawn, not moved, when that node fails`);
    }
    return value;
}

/** A CIDR whose host bits are zero, and the VIP not its network or broadcast address. */
function checkSubnet(key: string, cidr: string, vip: string): void {
    const [base, bits] = cidr.split("/");
    if (!net.isIPv4(base)) return;
    const prefix = Number(bits);
    const size = 2 ** (32 - prefix);
    const network = ipv4Number(base);
    if (network % size !== 0) throw new ConfigError(key, cidr, "expected the subnet's network address with its prefix, e.g. 10.10.10.0/24");
    if (net.isIPv4(vip) && prefix < 31) {
        const n = ipv4Number(vip);
        if (n === network || n === network + size - 1) {
            throw new ConfigError("taco:exposure.vip.address", vip, `expected a single host address, not the network or broadcast address of ${cidr}`);
        }
    }
}

// The schema's output for taco:exposure.vip is exactly the VipSettings other modules code against.
const vipShapeIsVipSettings = (vip: VipShape): VipSettings => vip;
void vipShapeIsVipSettings;
