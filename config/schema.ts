// The stack config contract (`taco:*`) as one schema. From it follow: the input types
// (`StackConfigInput`), the shape validation (every leaf carries the "allowed" text its error
// message gives), the JSON Schema for Pulumi.<stack>.yaml (scripts/schema.ts) and README's config
// table. What a schema cannot say (one key against another, files on disk, the node-port range the
// ports must lie in) is checked after it, in config/index.ts, with messages of the same form.
import { z } from "zod";
import { API_SERVICES, CHARTS_WITH_VOLUME, DEFAULT_CHART_REPOSITORY, SERVICE_NAMES, ServiceName } from "../lib/charts";
import { CATALOG_SERVICES, CatalogService, EXPOSURE_CATALOG } from "../lib/exposureCatalog";
import { CREDENTIAL_IDS } from "../lib/ownedValues";

/** RFC 1123 DNS subdomain: what Kubernetes allows for node names and what TLS and DNS accept as hosts. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
/** RFC 1123 DNS label: namespaces, Service and IngressClass names. */
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Semantic Versioning 2.0.0, exactly (no ranges, no leading `v`). */
export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
/** A Kubernetes quantity of bytes, greater than zero (zero is refused after the pattern). */
export const QUANTITY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;
/** A Linux interface name (IFNAMSIZ 16, so at most 15 characters; no '/', ':' or whitespace). */
export const INTERFACE_NAME = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/;
/** A Kubernetes qualified name (label and taint keys): optional DNS-subdomain prefix, a name of at most 63. */
export const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A label value (what a toleration's value is checked as). */
export const LABEL_VALUE = /^((?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
/** A dotted chart values path (`conf.ks_domains.ldap.ldap.password`). */
export const VALUES_PATH = /^(?!(.*\.)?__proto__(\.|$))[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+){0,31}$/;

/** Bounds the program states and checks (README "Stack config"). */
export const LIMITS = {
    /** Helm stores a release name in a label value with a suffix: 53 characters at most. */
    releaseName: 53,
    /**
     * Per service, and the control-plane nodes (which set keystone's and horizon's replicas with
     * nodeport and Local): 0 stops a service; 500 covers the benchmark's 300-node series with room,
     * and keeps a pasted node inventory from becoming thousands of pods.
     */
    replicas: { min: 0, max: 500 },
    controlPlaneNodes: { min: 1, max: 500 },
    /** Raw values per service: nesting depth and size of the JSON text. */
    valuesDepth: 32,
    valuesChars: 100_000,
    tolerations: 32,
    bgpPeers: 16,
    secretChars: 65_536,
} as const;

export const RESERVED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"] as const;
export const EXPOSURE_MODES = ["clusterip", "nodeport", "ingress", "hierarchical"] as const;
export const INGRESS_CONTROLLERS = ["haproxy-ingress"] as const;
export const VIP_MODES = ["none", "interface", "l2", "routed"] as const;
export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

export const DEFAULT_REPLICAS: Record<ServiceName, number> = { rabbitmq: 1, memcached: 1, mariadb: 1, keystone: 3, horizon: 1 };
/** Each catalog entry's default node port (lib/exposureCatalog.ts). */
export const DEFAULT_NODE_PORTS = Object.fromEntries(CATALOG_SERVICES.map((service) => [service, EXPOSURE_CATALOG[service].nodePort])) as Record<CatalogService, number>;
/** What `taco:exposure.services` exposes unless set: what the program deploys. */
export const DEFAULT_EXPOSED_SERVICES = API_SERVICES;
/** Instead of the 300 s Kubernetes adds for unreachable and not-ready nodes. */
export const DEFAULT_VIP_TOLERATION_SECONDS = 30;
/** BGP hold time in seconds (FRR's default is 180; a VIP wants failure noticed in seconds). */
export const DEFAULT_BGP_HOLD_TIME = 9;

/** `{ error }` for a schema whose every failure means "expected <what>". */
const expected = (what: string) => ({ error: `expected ${what}` });

function text(what: string, pattern?: RegExp, max = 253) {
    const base = z.string(expected(what)).min(1, expected(what)).max(max, expected(what));
    return pattern ? base.regex(pattern, expected(what)) : base;
}

function whole(min: number, max: number) {
    const what = expected(`a whole number from ${min} to ${max}`);
    return z.int(what).min(min, what).max(max, what);
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, { error: `allowed: ${values.join(", ")}` });
}

const bool = () => z.boolean(expected("true or false"));

/** An object whose keys all come from its shape; the message lists them (see issueToError). */
function object<S extends z.ZodRawShape>(shape: S, context = "") {
    const keys = Object.keys(shape).join(", ");
    return z.strictObject(shape, {
        error: (issue) => issue.code === "unrecognized_keys" ? `${ALLOWED_KEYS}${context}: ${keys}` : `expected an object with keys ${keys}`,
    });
}
export const ALLOWED_KEYS = "allowed keys of ";

/** Meta keyword for a default as README states it (JSON Schema's `default` would have to be a value). */
export const DEFAULT_TEXT = "x-taco-default";

const documented = <T extends z.ZodType>(schema: T, description: string, defaultText?: string) =>
    schema.meta({ description, ...(defaultText !== undefined ? { [DEFAULT_TEXT]: defaultText } : {}) });

// --- keys -------------------------------------------------------------------------------------

const namespace = documented(text("a DNS label (lower-case letters, digits, '-') that is not a reserved namespace", DNS_LABEL, 63),
    `namespace of the releases (created by the program); not ${RESERVED_NAMESPACES.join(", ")}`, "openstack");

const charts = object({
    repository: documented(text("an https:// Helm repository or a local directory of charts", undefined, 2048),
        "https Helm repository (no credentials in the URL), or a local directory holding `<chart>/` (unpacked, with `helm-toolkit/` beside them) or `<chart>-<version>.tgz`",
        DEFAULT_CHART_REPOSITORY).optional(),
});

const persistence = object({
    enabled: documented(bool(), "a volume for the data (`volume.enabled`)", "false"),
    size: documented(text("a storage quantity greater than zero such as 5Gi", QUANTITY, 32), "`volume.size`", "the chart's"),
    storageClass: documented(text("a StorageClass name", DNS_SUBDOMAIN), "`volume.class_name`", "the cluster's default"),
}).partial();

const secretName = text("the name of a secret in taco:secrets (a DNS label)", DNS_LABEL, 63);

function service(name: ServiceName) {
    const shape = {
        version: documented(text("an exact chart version (semver) such as 2026.1.4+0ee5adeff", SEMVER, 128), "exact chart version", "pinned per chart"),
        replicas: documented(whole(LIMITS.replicas.min, LIMITS.replicas.max), `the chart's replica count (bounded ${LIMITS.replicas.min}–${LIMITS.replicas.max})`,
            String(DEFAULT_REPLICAS[name])),
        ...(CHARTS_WITH_VOLUME.includes(name) ? { persistence: persistence.nullish() } : {}),
        values: documented(z.record(z.string(), z.unknown(), expected("an object (a YAML mapping)")),
            `raw chart values, deep-merged last; paths the program owns are refused (nesting ≤ ${LIMITS.valuesDepth}, ≤ ${LIMITS.valuesChars} characters)`),
        secretValues: documented(z.record(text("a dotted chart values path", VALUES_PATH, 512), secretName, expected("a mapping of chart values paths to names in taco:secrets")),
            "chart values paths → names in taco:secrets: the secret is placed there as a secret Output"),
    };
    return object(shape).partial().nullish();
}

const services = object(Object.fromEntries(SERVICE_NAMES.map((name) => [name, service(name)])) as Record<ServiceName, ReturnType<typeof service>>);

const toleration = object({
    key: text("a qualified name (a taint key)", QUALIFIED_NAME).optional(),
    operator: oneOf(["Exists", "Equal"]).optional(),
    value: z.string(expected("a label value")).regex(LABEL_VALUE, expected("a label value")).optional(),
    effect: oneOf(TAINT_EFFECTS).optional(),
    tolerationSeconds: whole(0, 2_147_483_647).optional(),
});

const nodes = object({
    controlPlane: documented(z.array(text("node names", DNS_SUBDOMAIN), expected("a list of node names"))
        .max(LIMITS.controlPlaneNodes.max, expected(`a list of ${LIMITS.controlPlaneNodes.min} to ${LIMITS.controlPlaneNodes.max} node names`)),
    `node names (${LIMITS.controlPlaneNodes.min}–${LIMITS.controlPlaneNodes.max}); labelled openstack-control-plane=enabled and taco-exposure/api-node=enabled; the only nodes that run keystone and horizon`),
    tolerations: documented(z.array(toleration, expected("a list of Kubernetes tolerations")).max(LIMITS.tolerations, expected(`at most ${LIMITS.tolerations} tolerations`)),
        "Kubernetes tolerations for every pod the program places on the control-plane nodes", "none"),
}).partial().nullish();

const publicEndpoint = object({
    scheme: oneOf(["http", "https"]).optional(),
    host: text("a host name or IPv4 address"),
    port: whole(1, 65535).optional(),
});

const nodePort = object({
    ports: documented(object(Object.fromEntries(CATALOG_SERVICES.map((service) => [service, z.unknown().optional()])) as Record<CatalogService, z.ZodOptional<z.ZodUnknown>>),
        "fixed node ports per exposed service (within range, all different)",
        CATALOG_SERVICES.map((service) => `${service} ${DEFAULT_NODE_PORTS[service]}`).join(", ")).nullish(),
    externalTrafficPolicy: documented(oneOf(["Local", "Cluster"]), "`Local` or `Cluster`", "Local").optional(),
    range: documented(z.string(expected("the cluster's --service-node-port-range as \"<min>-<max>\"")),
        "the cluster's `--service-node-port-range`", "30000-32767").optional(),
    publicEndpoint: documented(publicEndpoint, "`{ scheme, host, port }` of the load balancer's front end; keystone's public endpoint, and other exposed APIs' at the same host and scheme on their own port (required in `nodeport`)").optional(),
}).nullish();

const ingress = object({
    controller: documented(oneOf(INGRESS_CONTROLLERS), "the controller implementation", "haproxy-ingress").optional(),
    className: documented(text("an IngressClass name (a DNS label of at most 53 characters)", DNS_LABEL, LIMITS.releaseName),
        "IngressClass (and release) of the namespace controller", "ingress-openstack").optional(),
    clusterClassName: documented(text("an IngressClass name (a DNS label of at most 53 characters)", DNS_LABEL, LIMITS.releaseName),
        "IngressClass (and release) of the cluster controller", "ingress-cluster").optional(),
    publicDomain: documented(text("a DNS domain such as cloud.example.com (lower case, at least two labels, not an IP address)", DNS_SUBDOMAIN, 240),
        "adds `<svc>.<domain>` hosts and makes it keystone's public endpoint").optional(),
    tls: documented(object({
        secretName: text("a Secret name", DNS_SUBDOMAIN).optional(),
        clusterIssuer: text("a ClusterIssuer name", DNS_SUBDOMAIN).optional(),
        selfSigned: z.literal(true, expected("exactly one of { secretName: <existing kubernetes.io/tls Secret> }, { clusterIssuer: <cert-manager ClusterIssuer> }, { selfSigned: true }")).optional(),
    }), "`{ secretName }`, `{ clusterIssuer }` (cert-manager) or `{ selfSigned: true }`; needs `publicDomain`").optional(),
}).nullish();

const ipAddress = (what: string) => z.union([z.ipv4(), z.ipv6()], expected(what));
const asn = whole(1, 4_294_967_295);
const vipAddress = documented(ipAddress("a single host address (IPv4 or IPv6, no prefix)"), "the VIP: one host address (not `none`)");
const tolerationSeconds = documented(whole(0, 3600), "how long the entry pod stays on an unreachable or not-ready node",
    String(DEFAULT_VIP_TOLERATION_SECONDS)).default(DEFAULT_VIP_TOLERATION_SECONDS);
const metallb = documented(object({ install: bool().default(true) }), "`{ install }`: false when the cluster already runs MetalLB", "{ install: true }")
    .default({ install: true });

const bfd = documented(object({
    receiveInterval: whole(10, 60_000).default(300),
    transmitInterval: whole(10, 60_000).default(300),
    detectMultiplier: whole(2, 255).default(3),
}), "BFD timers as MetalLB's BFDProfile takes them: receiveInterval and transmitInterval 10–60000 ms, detectMultiplier 2–255 (speaker metallb only)",
"300, 300, 3 when bfd is given; no BFD otherwise");

const HOLD_TIME = expected("0 (no keepalives) or a whole number of seconds from 3 to 65535");

const bgp = documented(object({
    speaker: documented(oneOf(["metallb", "calico"]), "who speaks BGP on the nodes: MetalLB (FRR-K8s) or Calico", "metallb").default("metallb"),
    myASN: documented(asn, "the nodes' AS number (1–4294967295)"),
    peers: documented(z.array(object({ address: ipAddress("an IP address of the upstream router"), asn }), expected("a list of { address, asn }"))
        .min(1, expected("at least one peer { address, asn } in routed mode"))
        .max(LIMITS.bgpPeers, expected(`at most ${LIMITS.bgpPeers} peers`)), `the upstream routers, \`[{ address, asn }]\` (1–${LIMITS.bgpPeers})`),
    holdTime: documented(z.union([z.literal(0, HOLD_TIME), z.int(HOLD_TIME).min(3, HOLD_TIME).max(65535, HOLD_TIME)], HOLD_TIME),
        "BGP hold time in seconds: 0 or 3–65535 (keepalive a third of it)", String(DEFAULT_BGP_HOLD_TIME)).default(DEFAULT_BGP_HOLD_TIME),
    bfd: bfd.optional(),
    nodeSubnet: documented(z.union([z.cidrv4(), z.cidrv6()], expected("the nodes' subnet in CIDR notation such as 10.10.10.0/24")),
        "the nodes' subnet (CIDR), for the router's `bgp listen range`").optional(),
}), "BGP for `routed`: `{ speaker, myASN, peers, holdTime, bfd, nodeSubnet }`");

const vip = documented(z.discriminatedUnion("mode", [
    object({ mode: z.literal("none") }, " (mode none)"),
    object({
        mode: z.literal("interface"), address: vipAddress,
        interface: documented(text("a Linux interface name such as eth0 (required in mode interface)", INTERFACE_NAME, 15),
            "the node interface that holds the VIP (required in `interface`; optional in `l2`, limiting the L2Advertisement)"),
        tolerationSeconds,
    }, " (mode interface)"),
    object({
        mode: z.literal("l2"), address: vipAddress, interface: text("a Linux interface name such as eth0", INTERFACE_NAME, 15).optional(),
        tolerationSeconds, metallb,
    }, " (mode l2)"),
    object({ mode: z.literal("routed"), address: vipAddress, bgp, metallb }, " (mode routed)"),
], { error: `allowed: ${VIP_MODES.join(", ")}` }), "the entry point's stable address (`ingress` and `hierarchical` only): `{ mode: none|interface|l2|routed, address, ... }`", "{ mode: none }");

// Undocumented leaf: the parent's row says what it is (one row, not one per catalog entry).
const exposedService = object({
    release: text("a Helm release name (a DNS label of at most 53 characters)", DNS_LABEL, LIMITS.releaseName),
}).partial().nullish();

const exposedServices = documented(object(Object.fromEntries(CATALOG_SERVICES.map((service) => [service, exposedService])) as Record<CatalogService, typeof exposedService>),
    `the OpenStack APIs to expose, \`<name>: {}\` or \`<name>: { release }\`: the Helm release (its pods' \`release_group\`, default the chart's name) of a chart this program does not deploy; names: ${CATALOG_SERVICES.join(", ")}`,
    DEFAULT_EXPOSED_SERVICES.join(", "));

const exposure = object({
    mode: documented(oneOf(EXPOSURE_MODES), "`clusterip`, `nodeport`, `ingress`, `hierarchical`", "clusterip").optional(),
    services: exposedServices.nullish(),
    nodePort,
    ingress,
    vip: vip.optional(),
}).nullish();

const secrets = documented(z.record(text("a secret name (a DNS label)", DNS_LABEL, 63), z.string(expected("a non-empty string"))
    .min(1, expected("a non-empty string")).max(LIMITS.secretChars, expected(`at most ${LIMITS.secretChars} characters`)),
expected("a mapping of secret names to values, set with `pulumi config set --secret --path 'taco:secrets.<name>'`")),
"named site secrets, set with `pulumi config set --secret --path 'taco:secrets.<name>' <value>`; every value stays a secret Output");

const credentials = documented(object(Object.fromEntries(CREDENTIAL_IDS.map((id) => [id, secretName.optional()])) as Record<(typeof CREDENTIAL_IDS)[number], z.ZodOptional<typeof secretName>>),
    `generated credentials to take from taco:secrets instead (by name): ${CREDENTIAL_IDS.join(", ")}`, "all generated").nullish();

const protect = documented(bool(), "`protect` on the stateful releases (mariadb, rabbitmq) and every generated secret", "true, except on stack dev");

/** Every `taco:*` key, in the order Pulumi.yaml and README list them. */
export const STACK_SCHEMA = {
    namespace, charts: charts.nullish(), services: services.nullish(), nodes, exposure, secrets: secrets.nullish(), credentials, protect,
};
export type ConfigKey = keyof typeof STACK_SCHEMA;
export const CONFIG_KEYS = Object.keys(STACK_SCHEMA) as ConfigKey[];
/** Keys Pulumi hands over as plain text rather than JSON. */
export const SCALAR_KEYS: readonly ConfigKey[] = ["namespace", "protect"];

export const stackSchema = z.strictObject(STACK_SCHEMA).partial();
export type StackConfigInput = z.input<typeof stackSchema>;
export type StackConfigShape = z.output<typeof stackSchema>;
export type VipShape = z.output<typeof vip>;

export { API_SERVICES };
