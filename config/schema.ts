// The stack config contract (`taco:*`) as one schema. From it follow: the input types
// (`StackConfigInput`), the shape validation (every leaf carries the "allowed" text its error
// message gives), the JSON Schema for Pulumi.<stack>.yaml (scripts/schema.ts) and README's config
// table. What a schema cannot say (one key against another, files on disk, the node-port range the
// ports must lie in) is checked after it, in config/index.ts, with messages of the same form.
import * as v from "valibot";
import { API_SERVICES, CHARTS_WITH_VOLUME, DEFAULT_CHART_REPOSITORY, SERVICE_NAMES, ServiceName } from "../lib/charts";
import { CATALOG_SERVICES, CatalogService, EXPOSURE_CATALOG } from "../lib/exposureCatalog";
import { CREDENTIAL_IDS } from "../lib/ownedValues";
import { isPlainObject } from "./check";

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

/** The message of a schema whose every failure means "expected <what>". */
const expected = (what: string) => `expected ${what}`;

function text(what: string, pattern?: RegExp, max = 253) {
    const message = expected(what);
    const base = v.pipe(v.string(message), v.minLength(1, message), v.maxLength(max, message));
    return pattern ? v.pipe(base, v.regex(pattern, message)) : base;
}

function whole(min: number, max: number) {
    const message = expected(`a whole number from ${min} to ${max}`);
    return v.pipe(v.number(message), v.integer(message), v.minValue(min, message), v.maxValue(max, message));
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return v.picklist(values, `allowed: ${values.join(", ")}`);
}

const bool = () => v.boolean(expected("true or false"));

/**
 * Only a plain object gets to `schema`: anything else, a list included (valibot's object schemas
 * take an array for an object, its indices as keys, `[]` as `{}`), fails with the schema's own message.
 */
function mapping<S extends v.GenericSchema>(schema: S): S {
    const run = schema["~run"];
    return {
        ...schema,
        "~run"(dataset, config) {
            if (isPlainObject(dataset.value)) return run.call(this, dataset, config);
            v._addIssue(this, "type", dataset, config);
            return dataset as ReturnType<S["~run"]>;
        },
    };
}

/** An object whose keys all come from its shape; the message lists them (see issueToError). */
function object<const E extends v.ObjectEntries>(entries: E, context = "") {
    const keys = Object.keys(entries).join(", ");
    return mapping(v.strictObject(entries, (issue) => {
        const at = issue.path?.[issue.path.length - 1];
        if (at?.type !== "object" || at.origin !== "key") return `expected an object with keys ${keys}`;
        if (issue.expected === "never") return `${ALLOWED_KEYS}${context}: ${keys}`;
        // A required key left out: the message its own schema gives for nothing.
        return v.safeParse(entries[at.key], undefined).issues?.[0].message ?? `expected an object with keys ${keys}`;
    }));
}
export const ALLOWED_KEYS = "allowed keys of ";

/**
 * A mapping whose every key and value follow a schema. Unlike valibot's `record`, which it extends, it
 * takes only a plain object (`mapping`), keeps keys named `constructor` and `prototype` (only `__proto__` is
 * skipped), and checks a value only under a valid key, so the first issue is the first bad entry's.
 */
function record<K extends v.GenericSchema<string, string>, V extends v.GenericSchema>(key: K, value: V, message: string): v.RecordSchema<K, V, string> {
    const schema = v.record(key, value, message);
    type Result = ReturnType<typeof schema["~run"]>;
    return mapping({
        ...schema,
        "~run"(dataset, config) {
            const input = dataset.value as Record<string, unknown>;
            const output: Record<string, unknown> = {};
            const issues: v.BaseIssue<unknown>[] = [];
            let typed = true;
            for (const name of Object.keys(input)) {
                if (name === "__proto__") continue;
                const keyResult = this.key["~run"]({ value: name }, config);
                const result = keyResult.issues ? keyResult : this.value["~run"]({ value: input[name] }, config);
                const step = { type: "object", origin: keyResult.issues ? "key" : "value", input, key: name, value: input[name] } as const;
                for (const issue of result.issues ?? []) issues.push({ ...issue, path: [step, ...(issue.path ?? [])] });
                typed &&= result.typed;
                output[name] = result.value;
            }
            return (issues.length > 0 ? { typed, value: output, issues } : { typed, value: output }) as Result;
        },
    });
}

// Addresses: IPv4 as dotted quads without leading zeros (what `ip` and Kubernetes print); IPv6 as
// hex digits, colons and dots (no zone index) that the WHATWG URL parser accepts as a host. The
// JSON Schema carries a pattern for editors: exact for IPv4, the character set for IPv6 (the
// program's check is the exact one).
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4 = new RegExp(`^(${OCTET}\\.){3}${OCTET}$`);
const IPV6_CHARACTERS = "[0-9a-fA-F:.]*:[0-9a-fA-F:.]*";
const IPV6_SHAPE = new RegExp(`^${IPV6_CHARACTERS}$`);
const isIpv6 = (address: string) => IPV6_SHAPE.test(address) && URL.canParse(`http://[${address}]`);
/** `<address>/<prefix>`, the prefix a plain decimal of at most `bits`. */
const cidr = (valid: (address: string) => boolean, bits: number) => (text: string) => {
    const [address, prefix, ...rest] = text.split("/");
    return rest.length === 0 && /^(0|[1-9][0-9]*)$/.test(prefix ?? "") && Number(prefix) <= bits && valid(address);
};
const ADDRESS_FORMATS = {
    ipv4: { pattern: IPV4.source, valid: (address: string) => IPV4.test(address) },
    ipv6: { pattern: `^${IPV6_CHARACTERS}$`, valid: isIpv6 },
    cidrv4: { pattern: `^(${OCTET}\\.){3}${OCTET}/(3[0-2]|[12]?[0-9])$`, valid: cidr((address) => IPV4.test(address), 32) },
    cidrv6: { pattern: `^${IPV6_CHARACTERS}/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$`, valid: cidr(isIpv6, 128) },
};

/** A string in one of the address formats; its JSON Schema is `{ format, pattern }` (the `check` is left out of it). */
function address(format: keyof typeof ADDRESS_FORMATS, message: string) {
    const { pattern, valid } = ADDRESS_FORMATS[format];
    return v.pipe(v.string(message), v.metadata({ format, pattern }), v.check(valid, message));
}

/** Meta keyword for a default as README states it (JSON Schema's `default` would have to be a value). */
export const DEFAULT_TEXT = "x-taco-default";

const documented = <S extends v.GenericSchema>(schema: S, description: string, defaultText?: string) =>
    v.pipe(schema, v.description(description), v.metadata(defaultText !== undefined ? { [DEFAULT_TEXT]: defaultText } : {}));

// --- keys -------------------------------------------------------------------------------------

const namespace = documented(text("a DNS label (lower-case letters, digits, '-') that is not a reserved namespace", DNS_LABEL, 63),
    `namespace of the releases (created by the program); not ${RESERVED_NAMESPACES.join(", ")}`, "openstack");

const charts = object({
    repository: v.optional(documented(text("an https:// Helm repository or a local directory of charts", undefined, 2048),
        "https Helm repository (no credentials in the URL), or a local directory holding `<chart>/` (unpacked, with `helm-toolkit/` beside them) or `<chart>-<version>.tgz`",
        DEFAULT_CHART_REPOSITORY)),
});

const persistence = v.partial(object({
    enabled: documented(bool(), "a volume for the data (`volume.enabled`)", "false"),
    size: documented(text("a storage quantity greater than zero such as 5Gi", QUANTITY, 32), "`volume.size`", "the chart's"),
    storageClass: documented(text("a StorageClass name", DNS_SUBDOMAIN), "`volume.class_name`", "the cluster's default"),
}));

const persistenceEntry = v.nullish(persistence);

const secretName = text("the name of a secret in taco:secrets (a DNS label)", DNS_LABEL, 63);

function service(name: ServiceName) {
    const shape = {
        version: documented(text("an exact chart version (semver) such as 2026.1.4+0ee5adeff", SEMVER, 128), "exact chart version", "pinned per chart"),
        replicas: documented(whole(LIMITS.replicas.min, LIMITS.replicas.max), `the chart's replica count (bounded ${LIMITS.replicas.min}–${LIMITS.replicas.max})`,
            String(DEFAULT_REPLICAS[name])),
        // Typed as every chart's: one output type for all services (ServiceShape in config/index.ts).
        ...(CHARTS_WITH_VOLUME.includes(name) ? { persistence: persistenceEntry } : {}) as { persistence: typeof persistenceEntry },
        values: documented(record(v.string(), v.unknown(), expected("an object (a YAML mapping)")),
            `raw chart values, deep-merged last; paths the program owns are refused (nesting ≤ ${LIMITS.valuesDepth}, ≤ ${LIMITS.valuesChars} characters)`),
        secretValues: documented(record(text("a dotted chart values path", VALUES_PATH, 512), secretName, expected("a mapping of chart values paths to names in taco:secrets")),
            "chart values paths → names in taco:secrets: the secret is placed there as a secret Output"),
    };
    return v.nullish(v.partial(object(shape)));
}

const services = object(Object.fromEntries(SERVICE_NAMES.map((name) => [name, service(name)])) as Record<ServiceName, ReturnType<typeof service>>);

const toleration = object({
    key: v.optional(text("a qualified name (a taint key)", QUALIFIED_NAME)),
    operator: v.optional(oneOf(["Exists", "Equal"])),
    value: v.optional(v.pipe(v.string(expected("a label value")), v.regex(LABEL_VALUE, expected("a label value")))),
    effect: v.optional(oneOf(TAINT_EFFECTS)),
    tolerationSeconds: v.optional(whole(0, 2_147_483_647)),
});

const nodes = v.nullish(v.partial(object({
    controlPlane: documented(v.pipe(v.array(text("node names", DNS_SUBDOMAIN), expected("a list of node names")),
        v.maxLength(LIMITS.controlPlaneNodes.max, expected(`a list of ${LIMITS.controlPlaneNodes.min} to ${LIMITS.controlPlaneNodes.max} node names`))),
    `node names (${LIMITS.controlPlaneNodes.min}–${LIMITS.controlPlaneNodes.max}); labelled openstack-control-plane=enabled and taco-exposure/api-node=enabled; the only nodes that run keystone and horizon`),
    tolerations: documented(v.pipe(v.array(toleration, expected("a list of Kubernetes tolerations")), v.maxLength(LIMITS.tolerations, expected(`at most ${LIMITS.tolerations} tolerations`))),
        "Kubernetes tolerations for every pod the program places on the control-plane nodes", "none"),
})));

const publicEndpoint = object({
    scheme: v.optional(oneOf(["http", "https"])),
    host: text("a host name or IPv4 address"),
    port: v.optional(whole(1, 65535)),
});

const nodePort = v.nullish(object({
    ports: v.nullish(documented(object(Object.fromEntries(CATALOG_SERVICES.map((service) => [service, v.optional(v.unknown())])) as Record<CatalogService, v.OptionalSchema<v.UnknownSchema, undefined>>),
        "fixed node ports per exposed service (within range, all different)",
        CATALOG_SERVICES.map((service) => `${service} ${DEFAULT_NODE_PORTS[service]}`).join(", "))),
    externalTrafficPolicy: v.optional(documented(oneOf(["Local", "Cluster"]), "`Local` or `Cluster`", "Local")),
    range: v.optional(documented(v.string(expected("the cluster's --service-node-port-range as \"<min>-<max>\"")),
        "the cluster's `--service-node-port-range`", "30000-32767")),
    publicEndpoint: v.optional(documented(publicEndpoint, "`{ scheme, host, port }` of the load balancer's front end; keystone's public endpoint, and other exposed APIs' at the same host and scheme on their own port (required in `nodeport`)")),
}));

const ingress = v.nullish(object({
    controller: v.optional(documented(oneOf(INGRESS_CONTROLLERS), "the controller implementation", "haproxy-ingress")),
    className: v.optional(documented(text("an IngressClass name (a DNS label of at most 53 characters)", DNS_LABEL, LIMITS.releaseName),
        "IngressClass (and release) of the namespace controller", "ingress-openstack")),
    clusterClassName: v.optional(documented(text("an IngressClass name (a DNS label of at most 53 characters)", DNS_LABEL, LIMITS.releaseName),
        "IngressClass (and release) of the cluster controller", "ingress-cluster")),
    publicDomain: v.optional(documented(text("a DNS domain such as cloud.example.com (lower case, at least two labels, not an IP address)", DNS_SUBDOMAIN, 240),
        "adds `<svc>.<domain>` hosts and makes it keystone's public endpoint")),
    tls: v.optional(documented(object({
        secretName: v.optional(text("a Secret name", DNS_SUBDOMAIN)),
        clusterIssuer: v.optional(text("a ClusterIssuer name", DNS_SUBDOMAIN)),
        selfSigned: v.optional(v.literal(true, expected("exactly one of { secretName: <existing kubernetes.io/tls Secret> }, { clusterIssuer: <cert-manager ClusterIssuer> }, { selfSigned: true }"))),
    }), "`{ secretName }`, `{ clusterIssuer }` (cert-manager) or `{ selfSigned: true }`; needs `publicDomain`")),
}));

const ipAddress = (what: string) => v.union([address("ipv4", expected(what)), address("ipv6", expected(what))], expected(what));
const asn = whole(1, 4_294_967_295);
const vipAddress = documented(ipAddress("a single host address (IPv4 or IPv6, no prefix)"), "the VIP: one host address (not `none`)");
const tolerationSeconds = v.optional(documented(whole(0, 3600), "how long the entry pod stays on an unreachable or not-ready node",
    String(DEFAULT_VIP_TOLERATION_SECONDS)), DEFAULT_VIP_TOLERATION_SECONDS);
const metallb = v.optional(documented(object({ install: v.optional(bool(), true) }), "`{ install }`: false when the cluster already runs MetalLB", "{ install: true }"),
    { install: true });

const bfd = documented(object({
    receiveInterval: v.optional(whole(10, 60_000), 300),
    transmitInterval: v.optional(whole(10, 60_000), 300),
    detectMultiplier: v.optional(whole(2, 255), 3),
}), "BFD timers as MetalLB's BFDProfile takes them: receiveInterval and transmitInterval 10–60000 ms, detectMultiplier 2–255 (speaker metallb only)",
"300, 300, 3 when bfd is given; no BFD otherwise");

const HOLD_TIME = expected("0 (no keepalives) or a whole number of seconds from 3 to 65535");
const NODE_SUBNET = expected("the nodes' subnet in CIDR notation such as 10.10.10.0/24");

const bgp = documented(object({
    speaker: v.optional(documented(oneOf(["metallb", "calico"]), "who speaks BGP on the nodes: MetalLB (FRR-K8s) or Calico", "metallb"), "metallb"),
    myASN: documented(asn, "the nodes' AS number (1–4294967295)"),
    peers: documented(v.pipe(v.array(object({ address: ipAddress("an IP address of the upstream router"), asn }), expected("a list of { address, asn }")),
        v.minLength(1, expected("at least one peer { address, asn } in routed mode")),
        v.maxLength(LIMITS.bgpPeers, expected(`at most ${LIMITS.bgpPeers} peers`))), `the upstream routers, \`[{ address, asn }]\` (1–${LIMITS.bgpPeers})`),
    holdTime: v.optional(documented(v.union([v.literal(0, HOLD_TIME), v.pipe(v.number(HOLD_TIME), v.integer(HOLD_TIME), v.minValue(3, HOLD_TIME), v.maxValue(65535, HOLD_TIME))], HOLD_TIME),
        "BGP hold time in seconds: 0 or 3–65535 (keepalive a third of it)", String(DEFAULT_BGP_HOLD_TIME)), DEFAULT_BGP_HOLD_TIME),
    bfd: v.optional(bfd),
    nodeSubnet: v.optional(documented(v.union([address("cidrv4", NODE_SUBNET), address("cidrv6", NODE_SUBNET)], NODE_SUBNET),
        "the nodes' subnet (CIDR), for the router's `bgp listen range`")),
}), "BGP for `routed`: `{ speaker, myASN, peers, holdTime, bfd, nodeSubnet }`");

const vip = documented(mapping(v.variant("mode", [
    object({ mode: v.literal("none") }, " (mode none)"),
    object({
        mode: v.literal("interface"), address: vipAddress,
        interface: documented(text("a Linux interface name such as eth0 (required in mode interface)", INTERFACE_NAME, 15),
            "the node interface that holds the VIP (required in `interface`; optional in `l2`, limiting the L2Advertisement)"),
        tolerationSeconds,
    }, " (mode interface)"),
    object({
        mode: v.literal("l2"), address: vipAddress, interface: v.optional(text("a Linux interface name such as eth0", INTERFACE_NAME, 15)),
        tolerationSeconds, metallb,
    }, " (mode l2)"),
    object({ mode: v.literal("routed"), address: vipAddress, bgp, metallb }, " (mode routed)"),
], `allowed: ${VIP_MODES.join(", ")}`)), "the entry point's stable address (`ingress` and `hierarchical` only): `{ mode: none|interface|l2|routed, address, ... }`", "{ mode: none }");

// Undocumented leaf: the parent's row says what it is (one row, not one per catalog entry).
const exposedService = v.nullish(v.partial(object({
    release: text("a Helm release name (a DNS label of at most 53 characters)", DNS_LABEL, LIMITS.releaseName),
})));

const exposedServices = documented(object(Object.fromEntries(CATALOG_SERVICES.map((service) => [service, exposedService])) as Record<CatalogService, typeof exposedService>),
    `the OpenStack APIs to expose, \`<name>: {}\` or \`<name>: { release }\`: the Helm release (its pods' \`release_group\`, default the chart's name) of a chart this program does not deploy; names: ${CATALOG_SERVICES.join(", ")}`,
    DEFAULT_EXPOSED_SERVICES.join(", "));

const exposure = v.nullish(object({
    mode: v.optional(documented(oneOf(EXPOSURE_MODES), "`clusterip`, `nodeport`, `ingress`, `hierarchical`", "clusterip")),
    services: v.nullish(exposedServices),
    nodePort,
    ingress,
    vip: v.optional(vip),
}));

const secrets = documented(record(text("a secret name (a DNS label)", DNS_LABEL, 63), v.pipe(v.string(expected("a non-empty string")),
    v.minLength(1, expected("a non-empty string")), v.maxLength(LIMITS.secretChars, expected(`at most ${LIMITS.secretChars} characters`))),
expected("a mapping of secret names to values, set with `pulumi config set --secret --path 'taco:secrets.<name>'`")),
"named site secrets, set with `pulumi config set --secret --path 'taco:secrets.<name>' <value>`; every value stays a secret Output");

const credentials = v.nullish(documented(object(Object.fromEntries(CREDENTIAL_IDS.map((id) => [id, v.optional(secretName)])) as Record<(typeof CREDENTIAL_IDS)[number], v.OptionalSchema<typeof secretName, undefined>>),
    `generated credentials to take from taco:secrets instead (by name): ${CREDENTIAL_IDS.join(", ")}`, "all generated"));

const protect = documented(bool(), "`protect` on the stateful releases (mariadb, rabbitmq) and every generated secret", "true, except on stack dev");

/** Every `taco:*` key, in the order Pulumi.yaml and README list them. */
export const STACK_SCHEMA = {
    namespace, charts: v.nullish(charts), services: v.nullish(services), nodes, exposure, secrets: v.nullish(secrets), credentials, protect,
};
export type ConfigKey = keyof typeof STACK_SCHEMA;
export const CONFIG_KEYS = Object.keys(STACK_SCHEMA) as ConfigKey[];
/** Keys Pulumi hands over as plain text rather than JSON. */
export const SCALAR_KEYS: readonly ConfigKey[] = ["namespace", "protect"];

export const stackSchema = v.partial(v.strictObject(STACK_SCHEMA));
export type StackConfigInput = v.InferInput<typeof stackSchema>;
export type StackConfigShape = v.InferOutput<typeof stackSchema>;
export type VipShape = v.InferOutput<typeof vip>;

export { API_SERVICES };
