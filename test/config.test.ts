// The stack config contract (`taco:*`): what a bad config is told, and what a good one yields.
// Each bad config names the key, shows the value (never a secret's) and says what is allowed.
// A bad config must fail the run before anything is registered, with a message that names the key,
// repeats the value given and says what is allowed.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_KEYS } from "../config";
import { PINNED_CHART_VERSIONS, SERVICE_NAMES } from "../lib/charts";
import { failure, LAB_NODES, registeredByLastRun, run, Run, StackValues } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** Runs the program on `values`, expecting a config error; checks nothing was registered first. */
async function rejected(values: StackValues, secretKeys?: string[]): Promise<string> {
    const message = await failure(() => run(values, { secretKeys }));
    assert.deepStrictEqual(await registeredByLastRun(), [], `resources were registered before the config error: ${message}`);
    return message;
}

/** A chart directory as an air-gapped site lays it out: `<chart>/Chart.yaml`, or `<chart>-<version>.tgz`. */
function chartDir(layout: { unpacked?: readonly string[]; tgz?: Record<string, string>; toolkit?: boolean }): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "taco-charts-"));
    for (const chart of layout.unpacked ?? []) {
        fs.mkdirSync(path.join(dir, chart));
        fs.writeFileSync(path.join(dir, chart, "Chart.yaml"), `apiVersion: v2\nname: ${chart}\nversion: 2026.1.0\n`);
    }
    for (const [chart, version] of Object.entries(layout.tgz ?? {})) {
        fs.writeFileSync(path.join(dir, `${chart}-${version}.tgz`), "not really a tarball");
    }
    if (layout.toolkit) {
        fs.mkdirSync(path.join(dir, "helm-toolkit"));
        fs.writeFileSync(path.join(dir, "helm-toolkit", "Chart.yaml"), "apiVersion: v2\nname: helm-toolkit\nversion: 2026.1.0\n");
    }
    return dir;
}

const fixtureDirs: string[] = [];
function fixture(layout: Parameters<typeof chartDir>[0]): string {
    const dir = chartDir(layout);
    fixtureDirs.push(dir);
    return dir;
}
after(() => {
    for (const dir of fixtureDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A nodeport exposure that is valid on its own (Cluster policy needs no node list). */
const NODEPORT_CLUSTER = {
    mode: "nodeport",
    nodePort: { externalTrafficPolicy: "Cluster", publicEndpoint: { scheme: "http", host: "lb.example.com", port: 80 } },
};

interface BadConfig {
    what: string;
    config: StackValues | (() => StackValues);
    /** Keys Pulumi holds as secrets (default: taco:secrets when given). */
    secretKeys?: string[];
    /** A secret the message must not show. */
    secretValue?: string;
    /** The full key the message must name. */
    key: string;
    /** The value as the message must show it (JSON, as an operator would paste it back). */
    given: string;
    /** What the message must say is allowed. */
    allowed: RegExp[];
    /** What it must not offer as allowed. */
    notAllowed?: RegExp[];
}

/** An ingress stack with the lab's nodes and the given VIP. */
const vipConfig = (vip: Record<string, unknown>): StackValues => ({
    "taco:nodes": { controlPlane: LAB_NODES },
    "taco:exposure": { mode: "ingress", vip },
});
const ROUTED = { mode: "routed", address: "10.10.10.254", bgp: { myASN: 64512, peers: [{ address: "10.10.10.1", asn: 64513 }] } };

/** `{ a: { a: ... 1 } }`, `depth` mappings deep. */
function nested(depth: number): Record<string, unknown> {
    let value: Record<string, unknown> = { leaf: 1 };
    for (let i = 1; i < depth; i++) value = { a: value };
    return value;
}

const missingHorizon = () => fixture({ unpacked: ["rabbitmq", "memcached", "mariadb", "keystone"], toolkit: true });
const withoutToolkit = () => fixture({ unpacked: [...SERVICE_NAMES] });

const BAD_CONFIGS: BadConfig[] = [
    {
        what: "an unknown top-level key",
        config: { "taco:foo": "bar" },
        key: "taco:foo", given: '"bar"',
        allowed: [/taco:namespace/, /taco:charts/, /taco:services/, /taco:nodes/, /taco:exposure/],
    },
    {
        what: "a structured key given a plain string",
        config: { "taco:services": "rabbitmq" },
        key: "taco:services", given: '"rabbitmq"',
        allowed: [/structured value|mapping/],
    },
    {
        what: "an unknown exposure mode",
        config: { "taco:exposure": { mode: "loadbalancer" } },
        key: "taco:exposure.mode", given: '"loadbalancer"',
        allowed: [/clusterip/, /nodeport/, /ingress/, /hierarchical/],
    },
    {
        what: "an unknown service",
        config: { "taco:services": { nova: { replicas: 1 } } },
        key: "taco:services.nova", given: '{"replicas":1}',
        allowed: [/rabbitmq/, /memcached/, /mariadb/, /keystone/, /horizon/],
    },
    {
        what: "negative replicas",
        config: { "taco:services": { keystone: { replicas: -1 } } },
        key: "taco:services.keystone.replicas", given: "-1",
        allowed: [/whole number from 0\b/],
    },
    {
        what: "fractional replicas",
        config: { "taco:services": { rabbitmq: { replicas: 1.5 } } },
        key: "taco:services.rabbitmq.replicas", given: "1.5",
        allowed: [/whole number/],
    },
    {
        what: "replicas given as a string",
        config: { "taco:services": { mariadb: { replicas: "3" } } },
        key: "taco:services.mariadb.replicas", given: '"3"',
        allowed: [/whole number/],
    },
    {
        what: "persistence on memcached, which has no volume",
        config: { "taco:services": { memcached: { persistence: { enabled: true } } } },
        key: "taco:services.memcached.persistence", given: '{"enabled":true}',
        allowed: [/version/, /replicas/, /values/],
        notAllowed: [/allowed[^;]*persistence/],
    },
    {
        what: "persistence switched on with a word",
        config: { "taco:services": { mariadb: { persistence: { enabled: "yes" } } } },
        key: "taco:services.mariadb.persistence.enabled", given: '"yes"',
        allowed: [/true or false/],
    },
    {
        what: "raw values that set the replica count the program owns",
        config: { "taco:services": { keystone: { values: { pod: { replicas: { api: 5 } } } } } },
        key: "taco:services.keystone.values.pod.replicas.api", given: "5",
        allowed: [/taco:services\.keystone\.replicas/],
    },
    {
        what: "a chart version that is not an exact version",
        config: { "taco:services": { keystone: { version: "latest" } } },
        key: "taco:services.keystone.version", given: '"latest"',
        allowed: [/exact chart version/],
    },
    {
        what: "a plain-http chart repository",
        config: { "taco:charts": { repository: "http://tarballs.opendev.org/openstack/openstack-helm" } },
        key: "taco:charts.repository", given: '"http://tarballs.opendev.org/openstack/openstack-helm"',
        allowed: [/https:\/\//, /local directory/],
    },
    {
        what: "a local chart directory that does not exist",
        config: { "taco:charts": { repository: "/nonexistent/taco-charts" } },
        key: "taco:charts.repository", given: '"/nonexistent/taco-charts"',
        allowed: [/https:\/\//, /directory/],
    },
    {
        what: "a local chart directory without one of the charts",
        config: () => ({ "taco:charts": { repository: missingHorizon() } }),
        key: "taco:charts.repository", given: "taco-charts-",
        allowed: [/horizon\/Chart\.yaml/, /horizon-[^ ]*\.tgz/],
    },
    {
        what: "unpacked charts without helm-toolkit beside them",
        config: () => ({ "taco:charts": { repository: withoutToolkit() } }),
        key: "taco:charts.repository", given: "taco-charts-",
        allowed: [/helm-toolkit/],
    },
    {
        what: "a node port outside the node-port range",
        config: { "taco:exposure": { ...NODEPORT_CLUSTER, nodePort: { ...NODEPORT_CLUSTER.nodePort, ports: { keystone: 80 } } } },
        key: "taco:exposure.nodePort.ports.keystone", given: "80",
        allowed: [/30000/, /32767/],
    },
    {
        what: "a node-port range that is not <min>-<max>",
        config: { "taco:exposure": { ...NODEPORT_CLUSTER, nodePort: { ...NODEPORT_CLUSTER.nodePort, range: "30000" } } },
        key: "taco:exposure.nodePort.range", given: '"30000"',
        allowed: [/<min>-<max>/],
    },
    {
        what: "keystone and horizon on the same node port",
        config: { "taco:exposure": { ...NODEPORT_CLUSTER, nodePort: { ...NODEPORT_CLUSTER.nodePort, ports: { keystone: 30500, horizon: 30500 } } } },
        key: "taco:exposure.nodePort.ports.horizon", given: "30500",
        allowed: [/differ/, /ports\.keystone/],
    },
    {
        what: "nodeport mode without a public endpoint",
        config: { "taco:exposure": { mode: "nodeport", nodePort: { externalTrafficPolicy: "Cluster" } } },
        key: "taco:exposure.nodePort.publicEndpoint", given: "nothing",
        allowed: [/required in nodeport mode/, /scheme, host, port/],
    },
    {
        what: "nodeport mode with externalTrafficPolicy Local and no control-plane nodes",
        config: { "taco:exposure": { ...NODEPORT_CLUSTER, nodePort: { ...NODEPORT_CLUSTER.nodePort, externalTrafficPolicy: "Local" } } },
        key: "taco:nodes.controlPlane", given: "nothing",
        allowed: [/required/, /Local/],
    },
    {
        what: "keystone replicas other than the node count with externalTrafficPolicy Local",
        config: {
            "taco:nodes": { controlPlane: LAB_NODES },
            "taco:exposure": { ...NODEPORT_CLUSTER, nodePort: { ...NODEPORT_CLUSTER.nodePort, externalTrafficPolicy: "Local" } },
            "taco:services": { keystone: { replicas: 2 } },
        },
        key: "taco:services.keystone.replicas", given: "2",
        allowed: [new RegExp(`\\(${LAB_NODES.length}\\)`), /taco:nodes\.controlPlane/],
    },
    {
        what: "an unknown externalTrafficPolicy",
        config: { "taco:exposure": { ...NODEPORT_CLUSTER, nodePort: { ...NODEPORT_CLUSTER.nodePort, externalTrafficPolicy: "local" } } },
        key: "taco:exposure.nodePort.externalTrafficPolicy", given: '"local"',
        allowed: [/Local/, /Cluster/],
    },
    {
        what: "the namespace controller's class equal to the cluster controller's",
        config: { "taco:exposure": { mode: "hierarchical", ingress: { className: "ingress-x", clusterClassName: "ingress-x" } } },
        key: "taco:exposure.ingress.clusterClassName", given: '"ingress-x"',
        allowed: [/must differ/, /className/],
    },
    {
        what: "TLS without a public domain",
        config: { "taco:exposure": { mode: "ingress", ingress: { tls: { selfSigned: true } } } },
        key: "taco:exposure.ingress.tls", given: '{"selfSigned":true}',
        allowed: [/publicDomain/],
    },
    {
        what: "TLS of two kinds at once",
        config: { "taco:exposure": { mode: "ingress", ingress: { publicDomain: "cloud.example.com", tls: { secretName: "cloud-tls", selfSigned: true } } } },
        key: "taco:exposure.ingress.tls", given: '{"secretName":"cloud-tls","selfSigned":true}',
        allowed: [/exactly one of/, /secretName/, /clusterIssuer/, /selfSigned/],
    },
    {
        what: "a public domain that is not a DNS name",
        config: { "taco:exposure": { mode: "ingress", ingress: { publicDomain: "Cloud_Example" } } },
        key: "taco:exposure.ingress.publicDomain", given: '"Cloud_Example"',
        allowed: [/DNS domain/],
    },
    {
        what: "an unknown ingress controller",
        config: { "taco:exposure": { mode: "ingress", ingress: { controller: "nginx" } } },
        key: "taco:exposure.ingress.controller", given: '"nginx"',
        allowed: [/haproxy-ingress/],
    },
    {
        what: "a namespace that is not a DNS label",
        config: { "taco:namespace": "Open_Stack" },
        key: "taco:namespace", given: '"Open_Stack"',
        allowed: [/DNS label/],
    },
    {
        what: "control-plane nodes given as a string",
        config: { "taco:nodes": { controlPlane: "ctrl-1" } },
        key: "taco:nodes.controlPlane", given: '"ctrl-1"',
        allowed: [/list of node names/],
    },
    {
        what: "the same control-plane node twice",
        config: { "taco:nodes": { controlPlane: ["ctrl-1", "ctrl-1"] } },
        key: "taco:nodes.controlPlane", given: '["ctrl-1","ctrl-1"]',
        allowed: [/distinct/],
    },
    // --- limits the program, Kubernetes or Helm have ---
    {
        what: "a reserved namespace (kube-system)",
        config: { "taco:namespace": "kube-system" },
        key: "taco:namespace", given: '"kube-system"',
        allowed: [/kube-system/, /kube-public/, /kube-node-lease/, /default/],
    },
    {
        what: "the default namespace",
        config: { "taco:namespace": "default" },
        key: "taco:namespace", given: '"default"',
        allowed: [/not kube-system, kube-public, kube-node-lease, default/],
    },
    {
        what: "a namespace longer than a DNS label",
        config: { "taco:namespace": "a".repeat(64) },
        key: "taco:namespace", given: `"${"a".repeat(64)}"`,
        allowed: [/DNS label/],
    },
    {
        what: "ten thousand replicas",
        config: { "taco:services": { keystone: { replicas: 10000 } } },
        key: "taco:services.keystone.replicas", given: "10000",
        allowed: [/whole number from 0 to 500/],
    },
    {
        what: "more control-plane nodes than the stated bound",
        config: { "taco:nodes": { controlPlane: Array.from({ length: 501 }, (_, i) => `node-${i}`) } },
        key: "taco:nodes.controlPlane", given: '["node-0","node-1"',
        allowed: [/1 to 500 node names/],
    },
    {
        what: "a zero volume size",
        config: { "taco:services": { mariadb: { persistence: { enabled: true, size: "0Gi" } } } },
        key: "taco:services.mariadb.persistence.size", given: '"0Gi"',
        allowed: [/greater than zero/],
    },
    {
        what: "a version range instead of an exact version",
        config: { "taco:services": { horizon: { version: "^2026.1.16" } } },
        key: "taco:services.horizon.version", given: '"^2026.1.16"',
        allowed: [/exact chart version \(semver\)/],
    },
    {
        what: "a version with a leading zero (not semver)",
        config: { "taco:services": { horizon: { version: "2026.01.16" } } },
        key: "taco:services.horizon.version", given: '"2026.01.16"',
        allowed: [/exact chart version/],
    },
    {
        what: "an ingress class that collides with a release the program creates",
        config: { "taco:exposure": { mode: "ingress", ingress: { className: "keystone" } } },
        key: "taco:exposure.ingress.className", given: '"keystone"',
        allowed: [/may not be one the program already creates/, /keystone-api/, /horizon-int/],
    },
    {
        what: "a cluster ingress class that collides with a Service the program creates",
        config: { "taco:exposure": { mode: "hierarchical", ingress: { clusterClassName: "keystone-nodeport" } } },
        key: "taco:exposure.ingress.clusterClassName", given: '"keystone-nodeport"',
        allowed: [/may not be one the program already creates/],
    },
    {
        what: "an ingress class longer than a Helm release name may be",
        config: { "taco:exposure": { mode: "ingress", ingress: { className: "c".repeat(54) } } },
        key: "taco:exposure.ingress.className", given: `"${"c".repeat(54)}"`,
        allowed: [/at most 53 characters/],
    },
    {
        what: "a public domain that is an IP address",
        config: { "taco:exposure": { mode: "ingress", ingress: { publicDomain: "10.0.0.1" } } },
        key: "taco:exposure.ingress.publicDomain", given: '"10.0.0.1"',
        allowed: [/not an IP address/],
    },
    {
        what: "a public domain with a label longer than 63",
        config: { "taco:exposure": { mode: "ingress", ingress: { publicDomain: `${"d".repeat(64)}.example.com` } } },
        key: "taco:exposure.ingress.publicDomain", given: `"${"d".repeat(64)}`,
        allowed: [/DNS domain/],
    },
    {
        what: "a public endpoint host that is neither a name nor an IP",
        config: { "taco:exposure": { ...NODEPORT_CLUSTER, nodePort: { ...NODEPORT_CLUSTER.nodePort, publicEndpoint: { host: "999.1.1.1" } } } },
        key: "taco:exposure.nodePort.publicEndpoint.host", given: '"999.1.1.1"',
        allowed: [/host name or IPv4 address/],
    },
    {
        what: "raw values nested deeper than the bound",
        config: { "taco:services": { keystone: { values: nested(40) } } },
        key: "taco:services.keystone.values", given: "nested more than 32 deep",
        allowed: [/nested at most 32 deep/],
    },
    {
        what: "raw values nested thousands deep (no stack trace, nothing half-applied)",
        config: { "taco:services": { horizon: { values: nested(3000) } } },
        key: "taco:services.horizon.values", given: "nested more than 32 deep",
        allowed: [/nested at most 32 deep/],
    },
    {
        what: "raw values with a __proto__ key",
        config: () => ({ "taco:services": JSON.parse('{"keystone":{"values":{"__proto__":{"pod":{"replicas":{"api":9}}}}}}') }),
        key: "taco:services.keystone.values", given: '"__proto__"',
        allowed: [/__proto__ is not allowed/],
    },
    {
        what: "a secret placed at a path inside another placement",
        config: {
            "taco:secrets": { a: "Secret-12345", b: "Secret-67890" },
            "taco:services": { keystone: { secretValues: { "conf.ldap": "a", "conf.ldap.password": "b" } } },
        },
        key: "taco:services.keystone.secretValues.conf.ldap", given: '"a"',
        allowed: [/a secret is one leaf/],
    },
    {
        what: "raw values larger than the bound",
        config: { "taco:services": { keystone: { values: { conf: { blob: "x".repeat(200_000) } } } } },
        key: "taco:services.keystone.values", given: "characters of values",
        allowed: [/at most 100000 characters/],
    },
    // --- URLs (the plan writes them into files) ---
    {
        what: "a repository URL with a line break",
        config: { "taco:charts": { repository: "https://charts.example.com/x\nrelease_group: evil" } },
        key: "taco:charts.repository", given: '"https://charts.example.com/x\\nrelease_group: evil"',
        allowed: [/without whitespace or control characters/],
    },
    {
        what: "a repository URL with credentials in it",
        config: { "taco:charts": { repository: "https://reader:hunter2@charts.example.com/openstack-helm" } },
        key: "taco:charts.repository", given: "reader:hunter2@charts.example.com",
        allowed: [/no user or password in the URL/, /taco:secrets/],
    },
    {
        what: "a repository URL of another scheme",
        config: { "taco:charts": { repository: "oci://registry.example.com/openstack-helm" } },
        key: "taco:charts.repository", given: '"oci://registry.example.com/openstack-helm"',
        allowed: [/https:\/\//],
    },
    // --- raw values that would undo what the program owns ---
    {
        what: "raw values that wipe keystone's endpoints (endpoints: null)",
        config: { "taco:services": { keystone: { values: { endpoints: null } } } },
        key: "taco:services.keystone.values.endpoints", given: "null",
        allowed: [/not allowed here/, /taco:credentials\./],
    },
    {
        what: "raw values that wipe keystone's pod settings (pod: null)",
        config: { "taco:services": { keystone: { values: { pod: null } } } },
        key: "taco:services.keystone.values.pod", given: "null",
        allowed: [/taco:services\.keystone\.replicas/],
    },
    {
        what: "raw values that wipe horizon's node selectors (labels: null)",
        config: { "taco:services": { horizon: { values: { labels: null } } } },
        key: "taco:services.horizon.values.labels", given: "null",
        allowed: [/taco:nodes\.controlPlane/],
    },
    {
        what: "raw values that change keystone's anti-affinity topology key",
        config: { "taco:services": { keystone: { values: { pod: { affinity: { anti: { topologyKey: { default: "topology.kubernetes.io/zone" } } } } } } } },
        key: "taco:services.keystone.values.pod.affinity.anti", given: "topologyKey",
        allowed: [/the program places these pods/],
    },
    {
        what: "raw values that set release_group",
        config: { "taco:services": { mariadb: { values: { release_group: "other" } } } },
        key: "taco:services.mariadb.values.release_group", given: '"other"',
        allowed: [/release_group/, /cannot be changed/],
    },
    {
        what: "raw values that set the rabbitmq replicas keystone's transport URL counts",
        config: { "taco:services": { keystone: { values: { endpoints: { oslo_messaging: { statefulset: { replicas: 5 } } } } } } },
        key: "taco:services.keystone.values.endpoints.oslo_messaging.statefulset", given: '{"replicas":5}',
        allowed: [/taco:services\.rabbitmq\.replicas/],
    },
    {
        what: "raw values that set the mariadb root password",
        config: { "taco:services": { mariadb: { values: { endpoints: { oslo_db: { auth: { admin: { password: "root123" } } } } } } } },
        key: "taco:services.mariadb.values.endpoints.oslo_db.auth.admin.password", given: '"root123"',
        allowed: [/generated/, /taco:credentials\.mariadbRoot/, /taco:secrets/],
    },
    {
        what: "raw values that set the keystone admin password",
        config: { "taco:services": { keystone: { values: { endpoints: { identity: { auth: { admin: { password: "admin" } } } } } } } },
        key: "taco:services.keystone.values.endpoints.identity.auth.admin.password", given: '"admin"',
        allowed: [/taco:credentials\.keystoneAdmin/],
    },
    {
        what: "raw values that set horizon's secret key",
        config: { "taco:services": { horizon: { values: { conf: { horizon: { local_settings: { config: { horizon_secret_key: "k" } } } } } } } },
        key: "taco:services.horizon.values.conf.horizon.local_settings.config.horizon_secret_key", given: '"k"',
        allowed: [/taco:credentials\.horizonSecretKey/],
    },
    {
        what: "raw values that set the erlang cookie",
        config: { "taco:services": { rabbitmq: { values: { endpoints: { oslo_messaging: { auth: { erlang_cookie: "c" } } } } } } },
        key: "taco:services.rabbitmq.values.endpoints.oslo_messaging.auth.erlang_cookie", given: '"c"',
        allowed: [/taco:credentials\.erlangCookie/],
    },
    {
        what: "raw values that switch on keystone's own NodePort beside the program's Service",
        config: { "taco:services": { keystone: { values: { network: { api: { node_port: { enabled: true } } } } } } },
        key: "taco:services.keystone.values.network.api.node_port", given: '{"enabled":true}',
        allowed: [/taco:exposure\.mode/],
    },
    {
        what: "raw values that switch on horizon's own NodePort",
        config: { "taco:services": { horizon: { values: { network: { node_port: { enabled: true, port: 31000 } } } } } },
        key: "taco:services.horizon.values.network.node_port", given: '{"enabled":true,"port":31000}',
        allowed: [/taco:exposure\.mode/],
    },
    {
        what: "raw values that set keystone's public endpoint host",
        config: { "taco:services": { keystone: { values: { endpoints: { identity: { host_fqdn_override: { public: "evil.example.com" } } } } } } },
        key: "taco:services.keystone.values.endpoints.identity.host_fqdn_override.public", given: '"evil.example.com"',
        allowed: [/taco:exposure\.ingress\.publicDomain/, /publicEndpoint/],
    },
    {
        what: "raw values that set the volume",
        config: { "taco:services": { rabbitmq: { values: { volume: { enabled: true } } } } },
        key: "taco:services.rabbitmq.values.volume", given: '{"enabled":true}',
        allowed: [/persistence/],
    },
    // --- secrets ---
    {
        what: "a secret stored in taco:services",
        config: { "taco:services": { keystone: { values: { conf: { ks_domains: { ldap: { ldap: { password: "s3cret-bind" } } } } } } } },
        secretKeys: ["taco:services"], secretValue: "s3cret-bind",
        key: "taco:services", given: "[secret]",
        allowed: [/taco:secrets/, /--secret/, /secretValues/],
    },
    {
        what: "a secret stored in taco:exposure",
        config: { "taco:exposure": { mode: "ingress", ingress: { publicDomain: "hidden.example.com" } } },
        secretKeys: ["taco:exposure"], secretValue: "hidden.example.com",
        key: "taco:exposure", given: "[secret]",
        allowed: [/taco:secrets/],
    },
    {
        what: "taco:secrets set without --secret",
        config: { "taco:secrets": { "ldap-bind": "plain-text-bind" } },
        secretKeys: [], secretValue: "plain-text-bind",
        key: "taco:secrets", given: "[secret]",
        allowed: [/--secret/],
    },
    {
        what: "a credential that names a secret not in taco:secrets",
        config: { "taco:secrets": { other: "Secret-12345" }, "taco:credentials": { keystoneAdmin: "admin-password" } },
        key: "taco:credentials.keystoneAdmin", given: '"admin-password"',
        allowed: [/taco:secrets/, /defined: other/],
    },
    {
        what: "a credential that names an Object property rather than a secret",
        config: { "taco:secrets": { pw: "Secret-12345" }, "taco:credentials": { keystoneAdmin: "constructor" } },
        key: "taco:credentials.keystoneAdmin", given: '"constructor"',
        allowed: [/name of a secret in taco:secrets/],
    },
    {
        what: "an unknown credential",
        config: { "taco:secrets": { pw: "Secret-12345" }, "taco:credentials": { novaAdmin: "pw" } },
        key: "taco:credentials.novaAdmin", given: '"pw"',
        allowed: [/keystoneAdmin/, /mariadbRoot/, /registry/],
    },
    {
        what: "a credential secret the charts cannot write unquoted",
        config: { "taco:secrets": { "admin-password": "has a space" }, "taco:credentials": { keystoneAdmin: "admin-password" } },
        secretValue: "has a space",
        key: "taco:secrets.admin-password", given: "[secret]",
        allowed: [/8 to 128 letters, digits/],
    },
    {
        what: "a secret placed at a path the program owns",
        config: { "taco:secrets": { pw: "Secret-12345" }, "taco:services": { keystone: { secretValues: { "endpoints.identity.auth.admin.password": "pw" } } } },
        key: "taco:services.keystone.secretValues.endpoints.identity.auth.admin.password", given: '"pw"',
        allowed: [/taco:credentials\.keystoneAdmin/],
    },
    {
        what: "a secret placement that names a missing secret",
        config: { "taco:secrets": { pw: "Secret-12345" }, "taco:services": { keystone: { secretValues: { "conf.ks_domains.ldap.ldap.password": "ldap" } } } },
        key: "taco:services.keystone.secretValues.conf.ks_domains.ldap.ldap.password", given: '"ldap"',
        allowed: [/name of a secret in taco:secrets/],
    },
    {
        what: "a secret name that is not a DNS label",
        config: { "taco:secrets": { LDAP_Bind: "x" } },
        secretValue: '"x"',
        key: "taco:secrets.LDAP_Bind", given: '"LDAP_Bind"',
        allowed: [/secret name \(a DNS label\)/],
    },
    {
        what: "an empty secret",
        config: { "taco:secrets": { "ldap-bind": "" } },
        key: "taco:secrets.ldap-bind", given: "[secret]",
        allowed: [/non-empty string/],
    },
    // --- tolerations ---
    {
        what: "a toleration with operator Exists and a value",
        config: { "taco:nodes": { tolerations: [{ key: "dedicated", operator: "Exists", value: "openstack" }] } },
        key: "taco:nodes.tolerations[0].value", given: '"openstack"',
        allowed: [/left out with operator Exists/],
    },
    {
        what: "a toleration with operator Equal and an empty key",
        config: { "taco:nodes": { tolerations: [{ key: "", operator: "Equal", value: "x" }] } },
        key: "taco:nodes.tolerations[0].key", given: '""',
        allowed: [/qualified name/],
    },
    {
        what: "a toleration with operator Equal and no key",
        config: { "taco:nodes": { tolerations: [{ operator: "Equal", value: "x", effect: "NoSchedule" }] } },
        key: "taco:nodes.tolerations[0].key", given: "nothing",
        allowed: [/required with operator Equal/],
    },
    {
        what: "a toleration with an unknown effect",
        config: { "taco:nodes": { tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoRun" }] } },
        key: "taco:nodes.tolerations[0].effect", given: '"NoRun"',
        allowed: [/NoSchedule/, /PreferNoSchedule/, /NoExecute/],
    },
    {
        what: "tolerationSeconds without effect NoExecute",
        config: { "taco:nodes": { tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule", tolerationSeconds: 30 }] } },
        key: "taco:nodes.tolerations[0].tolerationSeconds", given: "30",
        allowed: [/only with effect NoExecute/],
    },
    {
        what: "a toleration key that is not a qualified name",
        config: { "taco:nodes": { tolerations: [{ key: "bad key!", operator: "Exists" }] } },
        key: "taco:nodes.tolerations[0].key", given: '"bad key!"',
        allowed: [/qualified name/],
    },
    {
        what: "fractional tolerationSeconds",
        config: { "taco:nodes": { tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: 1.5 }] } },
        key: "taco:nodes.tolerations[0].tolerationSeconds", given: "1.5",
        allowed: [/whole number/],
    },
    // --- VIPs ---
    {
        what: "a VIP with exposure mode clusterip",
        config: { "taco:nodes": { controlPlane: LAB_NODES }, "taco:exposure": { vip: { mode: "l2", address: "10.10.10.254" } } },
        key: "taco:exposure.vip.mode", given: '"l2"',
        allowed: [/ingress or hierarchical/, /clusterip/],
    },
    {
        what: "a VIP with exposure mode nodeport",
        config: { "taco:exposure": { ...NODEPORT_CLUSTER, vip: { mode: "interface", address: "10.10.10.254", interface: "eth0" } }, "taco:nodes": { controlPlane: LAB_NODES } },
        key: "taco:exposure.vip.mode", given: '"interface"',
        allowed: [/ingress or hierarchical/, /nodeport/],
    },
    {
        what: "an unknown VIP mode",
        config: vipConfig({ mode: "vrrp", address: "10.10.10.254" }),
        key: "taco:exposure.vip.mode", given: '"vrrp"',
        allowed: [/none, interface, l2, routed/],
    },
    {
        what: "a VIP given as a network",
        config: vipConfig({ mode: "l2", address: "10.10.10.0/24" }),
        key: "taco:exposure.vip.address", given: '"10.10.10.0/24"',
        allowed: [/single host address/],
    },
    {
        what: "a VIP at the broadcast address",
        config: vipConfig({ mode: "l2", address: "255.255.255.255" }),
        key: "taco:exposure.vip.address", given: '"255.255.255.255"',
        allowed: [/single host address/, /broadcast/],
    },
    {
        what: "a VIP at the network address of the node subnet",
        config: vipConfig({ ...ROUTED, address: "10.10.10.0", bgp: { ...ROUTED.bgp, nodeSubnet: "10.10.10.0/24" } }),
        key: "taco:exposure.vip.address", given: '"10.10.10.0"',
        allowed: [/network or broadcast address of 10\.10\.10\.0\/24/],
    },
    {
        what: "interface mode without an interface",
        config: vipConfig({ mode: "interface", address: "10.10.10.254" }),
        key: "taco:exposure.vip.interface", given: "nothing",
        allowed: [/interface name/, /required in mode interface/],
    },
    {
        what: "an interface name longer than Linux allows",
        config: vipConfig({ mode: "interface", address: "10.10.10.254", interface: "a-very-long-interface" }),
        key: "taco:exposure.vip.interface", given: '"a-very-long-interface"',
        allowed: [/interface name/],
    },
    {
        what: "a VIP mode without control-plane nodes",
        config: { "taco:exposure": { mode: "ingress", vip: { mode: "l2", address: "10.10.10.254" } } },
        key: "taco:nodes.controlPlane", given: "nothing",
        allowed: [/required with taco:exposure\.vip\.mode l2/],
    },
    {
        what: "an ASN of 0",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, myASN: 0 } }),
        key: "taco:exposure.vip.bgp.myASN", given: "0",
        allowed: [/whole number from 1 to 4294967295/],
    },
    {
        what: "a peer ASN past 32 bits",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, peers: [{ address: "10.10.10.1", asn: 4294967296 }] } }),
        key: "taco:exposure.vip.bgp.peers[0].asn", given: "4294967296",
        allowed: [/1 to 4294967295/],
    },
    {
        what: "a peer address that is not an IP",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, peers: [{ address: "router-1", asn: 64513 }] } }),
        key: "taco:exposure.vip.bgp.peers[0].address", given: '"router-1"',
        allowed: [/IP address of the upstream router/],
    },
    {
        what: "routed mode without peers",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, peers: [] } }),
        key: "taco:exposure.vip.bgp.peers", given: "[]",
        allowed: [/at least one peer/],
    },
    {
        what: "routed mode without bgp",
        config: vipConfig({ mode: "routed", address: "10.10.10.254" }),
        key: "taco:exposure.vip.bgp", given: "nothing",
        allowed: [/speaker, myASN, peers, holdTime, bfd, nodeSubnet/],
    },
    {
        what: "a hold time of 2 seconds",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, holdTime: 2 } }),
        key: "taco:exposure.vip.bgp.holdTime", given: "2",
        allowed: [/0 \(no keepalives\) or a whole number of seconds from 3 to 65535/],
    },
    {
        what: "a BFD receive interval below MetalLB's minimum",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, bfd: { receiveInterval: 5 } } }),
        key: "taco:exposure.vip.bgp.bfd.receiveInterval", given: "5",
        allowed: [/whole number from 10 to 60000/],
    },
    {
        what: "a BFD detect multiplier of 1",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, bfd: { detectMultiplier: 1 } } }),
        key: "taco:exposure.vip.bgp.bfd.detectMultiplier", given: "1",
        allowed: [/whole number from 2 to 255/],
    },
    {
        what: "BFD with speaker calico",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, speaker: "calico", bfd: { receiveInterval: 100 } } }),
        key: "taco:exposure.vip.bgp.bfd", given: '{"receiveInterval":100',
        allowed: [/Calico's BGP has no BFD/],
    },
    {
        what: "a node subnet that is not a CIDR",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, nodeSubnet: "10.10.10.0" } }),
        key: "taco:exposure.vip.bgp.nodeSubnet", given: '"10.10.10.0"',
        allowed: [/CIDR notation/],
    },
    {
        what: "a key that does not belong to the VIP mode (bgp in l2)",
        config: vipConfig({ mode: "l2", address: "10.10.10.254", bgp: ROUTED.bgp }),
        key: "taco:exposure.vip.bgp", given: '{"myASN":64512',
        allowed: [/unknown key/, /mode l2/, /metallb/, /tolerationSeconds/],
    },
    {
        what: "a key that does not belong to the VIP mode (interface in routed)",
        config: vipConfig({ ...ROUTED, interface: "eth0" }),
        key: "taco:exposure.vip.interface", given: '"eth0"',
        allowed: [/unknown key/, /mode routed/, /bgp/],
    },
    {
        what: "an unknown BGP speaker",
        config: vipConfig({ ...ROUTED, bgp: { ...ROUTED.bgp, speaker: "bird" } }),
        key: "taco:exposure.vip.bgp.speaker", given: '"bird"',
        allowed: [/metallb, calico/],
    },
    {
        what: "taco:protect given as a word",
        config: { "taco:protect": "yes" },
        key: "taco:protect", given: '"yes"',
        allowed: [/true or false/],
    },
    {
        what: "MetalLB install given as a string",
        config: vipConfig({ mode: "l2", address: "10.10.10.254", metallb: { install: "no" } }),
        key: "taco:exposure.vip.metallb.install", given: '"no"',
        allowed: [/true or false/],
    },
];

describe("config: a bad stack config fails before any resource is registered", () => {
    it("the registration probe sees what a good run registers (so an empty result means something)", async () => {
        await run({}, { fresh: true });
        const urns = await registeredByLastRun();
        assert.ok(urns.some((urn) => urn.includes(`${RELEASE}::keystone`)), `probe saw: ${urns.join(", ")}`);
    });

    for (const bad of BAD_CONFIGS) {
        it(`rejects ${bad.what}, naming ${bad.key}, the value and what is allowed`, async () => {
            const config = typeof bad.config === "function" ? bad.config() : bad.config;
            const message = await rejected(config, bad.secretKeys);
            if (bad.secretValue) assert.ok(!message.includes(bad.secretValue), `the message shows the secret: ${message}`);
            // The offending key itself, not only a longer key it is a prefix of.
            assert.ok(new RegExp(`${bad.key.replace(/[.[\]]/g, "\\$&")}(?![.\\w])`).test(message), `message does not name ${bad.key}: ${message}`);
            assert.ok(message.includes(bad.given), `message does not show the value ${bad.given}: ${message}`);
            for (const allowed of bad.allowed) assert.match(message, allowed);
            for (const notAllowed of bad.notAllowed ?? []) assert.doesNotMatch(message, notAllowed);
        });
    }

    it("covers at least sixty distinct bad configs, across every taco:* key", () => {
        assert.ok(new Set(BAD_CONFIGS.map((bad) => bad.what)).size >= 60);
        assert.ok(new Set(BAD_CONFIGS.map((bad) => `${bad.key} ${bad.given}`)).size >= 60);
        for (const key of CONFIG_KEYS) {
            assert.ok(BAD_CONFIGS.some((bad) => bad.key === `taco:${key}` || bad.key.startsWith(`taco:${key}.`)), `no bad config for taco:${key}`);
        }
    });
});

describe("config: defaults (no stack config at all) reproduce the article's lab", () => {
    let lab: Run;
    before(async () => { lab = await run({}); });

    it("exposes nothing outside the cluster (mode clusterip)", () => {
        assert.strictEqual(lab.plainOutputs().exposureMode, "clusterip");
        assert.strictEqual(lab.all("core/v1:Service").filter((s) => (s.inputs.spec as any)?.type === "NodePort").length, 0);
        assert.strictEqual(lab.all("networking.k8s.io/v1:Ingress").length, 0);
    });

    it("creates and uses namespace openstack", () => {
        assert.strictEqual((lab.get("core/v1:Namespace", "namespace").inputs.metadata as any).name, "openstack");
        assert.strictEqual(lab.plainOutputs().namespace, "openstack");
        for (const release of lab.all(RELEASE)) assert.strictEqual(release.inputs.namespace, "openstack", release.name);
    });

    it("runs one rabbitmq, one mariadb, one memcached, one horizon and three keystone APIs", () => {
        assert.strictEqual(lab.values("rabbitmq").pod.replicas.server, 1);
        assert.strictEqual(lab.values("mariadb").pod.replicas.server, 1);
        assert.strictEqual(lab.values("memcached").pod.replicas.server, 1);
        assert.strictEqual(lab.values("keystone").pod.replicas.api, 3);
        assert.strictEqual(lab.values("horizon").pod.replicas.server, 1);
    });

    it("keeps rabbitmq and mariadb without a volume", () => {
        for (const chart of ["rabbitmq", "mariadb"]) {
            assert.strictEqual(lab.values(chart).volume.enabled, false, chart);
            assert.strictEqual(lab.values(chart).volume.size, undefined, chart);
            assert.strictEqual(lab.values(chart).volume.class_name, undefined, chart);
        }
    });

    it("labels no nodes", () => {
        assert.strictEqual(lab.all("core/v1:NodePatch").length, 0);
    });
});

describe("config: a valid config is applied", () => {
    let custom: Run;
    before(async () => {
        custom = await run({
            "taco:namespace": "cloud",
            "taco:services": { rabbitmq: { replicas: 2 }, keystone: { replicas: 0 }, mariadb: { persistence: { enabled: true, size: "1.5Gi" } } },
        });
    });

    it("uses the namespace given", () => {
        assert.strictEqual((custom.get("core/v1:Namespace", "namespace").inputs.metadata as any).name, "cloud");
        for (const release of custom.all(RELEASE)) assert.strictEqual(release.inputs.namespace, "cloud", release.name);
    });

    it("uses the replicas given, zero included, and the defaults for the others", () => {
        assert.strictEqual(custom.values("rabbitmq").pod.replicas.server, 2);
        assert.strictEqual(custom.values("keystone").pod.replicas.api, 0);
        assert.strictEqual(custom.values("mariadb").pod.replicas.server, 1);
    });

    it("switches on only the volume asked for, with its size", () => {
        assert.deepStrictEqual(custom.values("mariadb").volume, { enabled: true, size: "1.5Gi" });
        assert.strictEqual(custom.values("rabbitmq").volume.enabled, false);
    });
});

describe("config: local chart directories for air-gapped sites", () => {
    it("installs unpacked charts from their directories, updating dependencies, with no repository", async () => {
        const dir = fixture({ unpacked: [...SERVICE_NAMES], toolkit: true });
        const local = await run({ "taco:charts": { repository: dir } });
        const releases = local.all(RELEASE);
        assert.strictEqual(releases.length, SERVICE_NAMES.length);
        for (const release of releases) {
            assert.strictEqual(release.inputs.chart, path.join(dir, release.name), release.name);
            assert.strictEqual(release.inputs.dependencyUpdate, true, release.name);
            assert.strictEqual(release.inputs.repositoryOpts, undefined, release.name);
        }
    });

    it("installs packaged charts from <chart>-<version>.tgz, the per-service version choosing the file", async () => {
        const keystoneVersion = "2026.1.30+abcdef012";
        const versions: Record<string, string> = { ...PINNED_CHART_VERSIONS, keystone: keystoneVersion };
        // A decoy for the pinned keystone version: the override must pick the other file.
        const dir = fixture({ tgz: { ...versions } });
        fs.writeFileSync(path.join(dir, `keystone-${PINNED_CHART_VERSIONS.keystone}.tgz`), "decoy");
        const local = await run({ "taco:charts": { repository: dir }, "taco:services": { keystone: { version: keystoneVersion } } });
        for (const release of local.all(RELEASE)) {
            assert.strictEqual(release.inputs.chart, path.join(dir, `${release.name}-${versions[release.name]}.tgz`), release.name);
            assert.strictEqual(release.inputs.repositoryOpts, undefined, release.name);
            assert.notStrictEqual(release.inputs.dependencyUpdate, true, `${release.name}: a packaged chart carries its dependencies`);
        }
    });

    it("does not accept a .tgz of another version than the one pinned", async () => {
        const dir = fixture({ tgz: { ...PINNED_CHART_VERSIONS, horizon: "2026.1.1+0000000" } });
        const message = await rejected({ "taco:charts": { repository: dir } });
        assert.ok(message.includes("taco:charts.repository"), message);
        assert.ok(message.includes(`horizon-${PINNED_CHART_VERSIONS.horizon}.tgz`), message);
    });

    it("accepts an https repository and installs every chart from it", async () => {
        const mirror = "https://charts.example.com/openstack-helm";
        const remote = await run({ "taco:charts": { repository: `${mirror}/` } });
        for (const release of remote.all(RELEASE)) {
            assert.deepStrictEqual(release.inputs.repositoryOpts, { repo: mirror }, release.name);
            assert.strictEqual(release.inputs.chart, release.name);
        }
    });
});
