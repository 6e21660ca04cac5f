// The stack config contract (`taco:*`): what a bad config is told, and what a good one yields.
// A bad config must fail the run before anything is registered, with a message that names the key,
// repeats the value given and says what is allowed.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PINNED_CHART_VERSIONS, SERVICE_NAMES } from "../lib/charts";
import { waitForRegistrations } from "../tools/mockRuntime";
import { failure, LAB_NODES, run, Run, StackValues } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";

/** URNs the mock monitor of the latest run registered, the stack itself left out. */
async function registeredByLastRun(): Promise<string[]> {
    await waitForRegistrations();
    const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, unknown> };
    return [...monitor.getRegisteredResources().keys()].filter((urn) => !urn.includes("::pulumi:pulumi:Stack::"));
}

/** Runs the program on `values`, expecting a config error; checks nothing was registered first. */
async function rejected(values: StackValues): Promise<string> {
    const message = await failure(() => run(values));
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
    /** The full key the message must name. */
    key: string;
    /** The value as the message must show it (JSON, as an operator would paste it back). */
    given: string;
    /** What the message must say is allowed. */
    allowed: RegExp[];
    /** What it must not offer as allowed. */
    notAllowed?: RegExp[];
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
            const message = await rejected(config);
            // The offending key itself, not only a longer key it is a prefix of.
            assert.ok(new RegExp(`${bad.key.replace(/[.[\]]/g, "\\$&")}(?![.\\w])`).test(message), `message does not name ${bad.key}: ${message}`);
            assert.ok(message.includes(bad.given), `message does not show the value ${bad.given}: ${message}`);
            for (const allowed of bad.allowed) assert.match(message, allowed);
            for (const notAllowed of bad.notAllowed ?? []) assert.doesNotMatch(message, notAllowed);
        });
    }

    it("covers at least twelve distinct bad configs", () => {
        assert.ok(new Set(BAD_CONFIGS.map((bad) => bad.what)).size >= 12);
        assert.ok(new Set(BAD_CONFIGS.map((bad) => `${bad.key} ${bad.given}`)).size >= 12);
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
