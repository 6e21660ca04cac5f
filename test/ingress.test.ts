// Ingress exposure (issue 4): the namespace controller, the hierarchical pair of controllers, the
// per-service and catch-all Ingresses, TLS for the public hosts, keystone's catalog, the outputs,
// bad config and mode switches. Expectations come from the config given and, where they concern a
// chart, from the pinned charts' values.yaml in shared/reference, not from the program's constants.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../tools/mockRuntime";
import {
    failure, isSecret, LAB_NODES, pathAllowed, pinnedChartValues, readYaml, requireReference, run, Run, runStackFile, StackValues, unwrap,
} from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const SERVICE = "kubernetes:core/v1:Service";
const SECRET = "kubernetes:core/v1:Secret";
const NAMESPACE = "kubernetes:core/v1:Namespace";

const NS = "openstack";
const DOMAIN = "cloud.example.com";
const CLASS = "ingress-openstack";
const CLUSTER_CLASS = "ingress-cluster";
const CLUSTER_NS = "kube-system";
const CONTROLLER_CHART = "haproxy-ingress";
const CONTROLLER_VERSION = "0.15.4";
const CONTROLLER_REPO = "https://haproxy-ingress.github.io/charts";
/** The program's own label for the nodes that run the API pods, as the issue names it. */
const API_NODE_SELECTOR = { "taco-exposure/api-node": "enabled" };
const OPENSTACK_RELEASES = ["rabbitmq", "memcached", "mariadb", "keystone", "horizon"];
const API = ["keystone", "horizon"] as const;
type Api = (typeof API)[number];
const NODE_IPS: Record<string, string> = { "ctrl-1": "10.0.0.11", "ctrl-2": "10.0.0.12", "ctrl-3": "10.0.0.13" };

function exposure(mode: string, ingress: Record<string, unknown> = {}): StackValues {
    return { "taco:nodes": { controlPlane: LAB_NODES }, "taco:exposure": { mode, ingress } };
}

const CONFIGS = {
    ingress: exposure("ingress"),
    hierarchical: exposure("hierarchical"),
    ingressDomain: exposure("ingress", { publicDomain: DOMAIN }),
    ingressSecret: exposure("ingress", { publicDomain: DOMAIN, tls: { secretName: "wildcard-tls" } }),
    ingressIssuer: exposure("ingress", { publicDomain: DOMAIN, tls: { clusterIssuer: "letsencrypt" } }),
    ingressSelfSigned: exposure("ingress", { publicDomain: DOMAIN, tls: { selfSigned: true } }),
    hierarchicalSecret: exposure("hierarchical", { publicDomain: DOMAIN, tls: { secretName: "wildcard-tls" } }),
    nodeport: {
        "taco:nodes": { controlPlane: LAB_NODES },
        "taco:exposure": {
            mode: "nodeport",
            nodePort: { externalTrafficPolicy: "Local", publicEndpoint: { scheme: "http", host: "ctrl-1", port: 30500 } },
        },
    },
};
type ConfigName = keyof typeof CONFIGS;
/** Runs that read node addresses back from the cluster. */
const WITH_NODE_IPS: readonly ConfigName[] = ["ingressSecret", "hierarchicalSecret"];

// One run per config, shared by every test that needs it. Mocha runs tests one after another, so
// no two mock runs overlap.
const runs = new Map<ConfigName, Promise<Run>>();
function runOf(name: ConfigName): Promise<Run> {
    let cached = runs.get(name);
    if (!cached) {
        cached = run(CONFIGS[name], WITH_NODE_IPS.includes(name) ? { nodeIPs: NODE_IPS } : {});
        runs.set(name, cached);
    }
    return cached;
}

// ---- reading what was registered ----

function releaseValues(r: Run, name: string): Record<string, any> {
    return r.values(name);
}

function controllerReleases(r: Run) {
    return r.all(RELEASE).filter((release) => !OPENSTACK_RELEASES.includes(release.name));
}

function ingressOf(r: Run, name: string): Record<string, any> {
    return unwrap(r.get(INGRESS, name).inputs) as Record<string, any>;
}

function hostsOf(ingress: Record<string, any>): string[] {
    return (ingress.spec.rules as any[]).map((rule) => rule.host);
}

function backendsOf(ingress: Record<string, any>) {
    return (ingress.spec.rules as any[]).flatMap((rule) => (rule.http.paths as any[]).map((p) => ({
        path: p.path, pathType: p.pathType, name: p.backend.service.name, port: p.backend.service.port.number,
    })));
}

function get(object: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<any>((node, key) => (node === null || node === undefined ? undefined : node[key]), object);
}

/** Dotted paths of the leaves of `values` (empty maps count as leaves). */
function leafPaths(values: Record<string, unknown>, prefix = ""): string[] {
    return Object.entries(values).flatMap(([key, value]) => {
        const here = prefix ? `${prefix}.${key}` : key;
        return value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0
            ? leafPaths(value as Record<string, unknown>, here) : [here];
    });
}

/** Whether the value at `keys` is secret in the engine's inputs, itself or as part of a secret map. */
function secretAt(value: unknown, keys: string[]): boolean {
    if (isSecret(value)) return true;
    if (keys.length === 0 || value === null || typeof value !== "object") return false;
    return secretAt((value as Record<string, unknown>)[keys[0]], keys.slice(1));
}

/** Whether `urn` is among the dependencies of `from`, directly or through other dependencies. */
function dependsOn(r: Run, from: string, urn: string, seen = new Set<string>()): boolean {
    const resource = r.resources.find((candidate) => candidate.urn === from);
    if (!resource) return false;
    for (const dependency of resource.dependencies) {
        if (dependency === urn) return true;
        if (!seen.has(dependency)) {
            seen.add(dependency);
            if (dependsOn(r, dependency, urn, seen)) return true;
        }
    }
    return false;
}

// ---- the reference charts ----

interface Reference {
    controller: Record<string, any>;
    keystone: Record<string, any>;
    horizon: Record<string, any>;
}

/** The pinned charts' values.yaml (pulled charts when present, else shared/reference). */
function reference(context: Mocha.Context): Reference {
    return {
        controller: pinnedChartValues(context, CONTROLLER_CHART),
        keystone: pinnedChartValues(context, "keystone"),
        horizon: pinnedChartValues(context, "horizon"),
    };
}

/** The chart's ClusterIP Service in front of each API, as the pinned charts define it. */
function chartBackend(ref: Reference, service: Api): { name: string; port: number } {
    return service === "keystone"
        ? { name: ref.keystone.endpoints.identity.hosts.internal, port: ref.keystone.endpoints.identity.port.api.service }
        : { name: ref.horizon.endpoints.dashboard.hosts.default, port: ref.horizon.endpoints.dashboard.port.web.default };
}

function inClusterHosts(service: Api): string[] {
    return [service, `${service}.${NS}`, `${service}.${NS}.svc.cluster.local`];
}

// ---- tests ----

describe("ingress mode: one namespace controller", () => {
    let r: Run;
    let values: Record<string, any>;
    before(async () => {
        r = await runOf("ingress");
        values = releaseValues(r, CLASS);
    });

    it("installs exactly one controller release, ingress-openstack in the openstack namespace", () => {
        const controllers = controllerReleases(r);
        assert.deepStrictEqual(controllers.map((release) => release.name), [CLASS]);
        const inputs = controllers[0].inputs as Record<string, any>;
        assert.strictEqual(inputs.name, CLASS);
        assert.strictEqual(inputs.namespace, NS);
    });

    it("installs haproxy-ingress 0.15.4 from the chart's own repository", () => {
        const inputs = r.get(RELEASE, CLASS).inputs as Record<string, any>;
        assert.strictEqual(inputs.chart, CONTROLLER_CHART);
        assert.strictEqual(inputs.version, CONTROLLER_VERSION);
        assert.deepStrictEqual(inputs.repositoryOpts, { repo: CONTROLLER_REPO });
    });

    it("pins a chart version whose values.yaml was checked into shared/reference", function () {
        const inputs = r.get(RELEASE, CLASS).inputs as Record<string, any>;
        const dir = path.join(requireReference(this), "controllers", inputs.chart, inputs.version);
        assert.ok(fs.existsSync(path.join(dir, "values.yaml")), `no reference values for ${inputs.chart} ${inputs.version}`);
        assert.strictEqual(readYaml(path.join(dir, "Chart.yaml")).version, inputs.version);
    });

    it("serves its own IngressClass ingress-openstack, which it creates with a controller class of its own", function () {
        const ref = reference(this);
        assert.strictEqual(values.controller.ingressClass, CLASS);
        assert.strictEqual(values.controller.ingressClassResource.enabled, true);
        // The chart creates no IngressClass by default, and an empty controllerClass would give the
        // generic haproxy-ingress controller name any other haproxy-ingress serves too.
        assert.strictEqual(ref.controller.controller.ingressClassResource.enabled, false);
        const controllerClass = values.controller.ingressClassResource.controllerClass;
        assert.strictEqual(typeof controllerClass, "string");
        assert.notStrictEqual(controllerClass, "");
        assert.notStrictEqual(controllerClass, ref.controller.controller.ingressClassResource.controllerClass);
    });

    it("serves the openstack namespace only (watch-namespace)", () => {
        assert.strictEqual(values.controller.extraArgs["watch-namespace"], NS);
    });

    it("listens on the nodes' own ports: host network, ClusterFirstWithHostNet, a DaemonSet", () => {
        assert.strictEqual(values.controller.hostNetwork, true);
        assert.strictEqual(values.controller.dnsPolicy, "ClusterFirstWithHostNet");
        assert.strictEqual(values.controller.kind, "DaemonSet");
    });

    it("runs on the nodes that run the API pods", () => {
        assert.deepStrictEqual(values.controller.nodeSelector, API_NODE_SELECTOR);
        // The same label keystone and horizon are placed by.
        const keystone = releaseValues(r, "keystone").labels.api;
        const horizon = releaseValues(r, "horizon").labels.dashboard;
        for (const labels of [keystone, horizon]) {
            assert.deepStrictEqual({ [labels.node_selector_key]: labels.node_selector_value }, values.controller.nodeSelector);
        }
    });

    it("uses a ClusterIP Service, not the chart's LoadBalancer default", function () {
        const ref = reference(this);
        assert.strictEqual(ref.controller.controller.service.type, "LoadBalancer");
        assert.strictEqual(values.controller.service.type, "ClusterIP");
    });

    it("sets only values paths the pinned chart's values.yaml has", function () {
        const ref = reference(this);
        const unknown = leafPaths(values).filter((dotted) => !pathAllowed(ref.controller, dotted));
        assert.deepStrictEqual(unknown, []);
    });

    it("creates no catch-all Ingress and no cluster controller", () => {
        assert.strictEqual(r.find(INGRESS, `${NS}-ingress`), undefined);
        assert.strictEqual(r.find(RELEASE, CLUSTER_CLASS), undefined);
    });
});

describe("hierarchical mode: a cluster controller in front of the namespace controller", () => {
    let r: Run;
    let namespaced: Record<string, any>;
    let cluster: Record<string, any>;
    before(async () => {
        r = await runOf("hierarchical");
        namespaced = releaseValues(r, CLASS);
        cluster = releaseValues(r, CLUSTER_CLASS);
    });

    it("installs two controller releases: ingress-openstack in openstack and ingress-cluster in kube-system", () => {
        const placed = controllerReleases(r).map((release) => {
            const inputs = release.inputs as Record<string, any>;
            return `${inputs.namespace}/${inputs.name} ${inputs.chart} ${inputs.version}`;
        }).sort();
        assert.deepStrictEqual(placed, [
            `${CLUSTER_NS}/${CLUSTER_CLASS} ${CONTROLLER_CHART} ${CONTROLLER_VERSION}`,
            `${NS}/${CLASS} ${CONTROLLER_CHART} ${CONTROLLER_VERSION}`,
        ].sort());
    });

    it("moves the namespace controller off host networking: a Deployment with ClusterFirst DNS", () => {
        assert.strictEqual(namespaced.controller.hostNetwork, false);
        assert.strictEqual(namespaced.controller.kind, "Deployment");
        assert.strictEqual(namespaced.controller.dnsPolicy, "ClusterFirst");
    });

    it("keeps the namespace controller on its own class and namespace", () => {
        assert.strictEqual(namespaced.controller.ingressClass, CLASS);
        assert.strictEqual(namespaced.controller.ingressClassResource.enabled, true);
        assert.strictEqual(namespaced.controller.extraArgs["watch-namespace"], NS);
    });

    it("runs the cluster controller as a DaemonSet on host networking of the API nodes", () => {
        assert.strictEqual(cluster.controller.hostNetwork, true);
        assert.strictEqual(cluster.controller.dnsPolicy, "ClusterFirstWithHostNet");
        assert.strictEqual(cluster.controller.kind, "DaemonSet");
        assert.deepStrictEqual(cluster.controller.nodeSelector, API_NODE_SELECTOR);
        assert.strictEqual(cluster.controller.service.type, "ClusterIP");
    });

    it("gives the cluster controller class ingress-cluster and no watch-namespace", () => {
        assert.strictEqual(cluster.controller.ingressClass, CLUSTER_CLASS);
        assert.strictEqual(cluster.controller.ingressClassResource.enabled, true);
        assert.strictEqual(get(cluster, "controller.extraArgs.watch-namespace"), undefined);
    });

    it("never has two controllers serve one IngressClass: class names and controller classes differ", () => {
        assert.notStrictEqual(namespaced.controller.ingressClass, cluster.controller.ingressClass);
        const classes = [namespaced, cluster].map((v) => v.controller.ingressClassResource.controllerClass);
        for (const controllerClass of classes) assert.ok(typeof controllerClass === "string" && controllerClass.length > 0);
        assert.notStrictEqual(classes[0], classes[1]);
    });

    it("installs the cluster controller only after the namespace controller (host ports change hands)", () => {
        const namespaceRelease = r.get(RELEASE, CLASS);
        const clusterRelease = r.get(RELEASE, CLUSTER_CLASS);
        assert.ok(clusterRelease.dependencies.includes(namespaceRelease.urn),
            `ingress-cluster dependencies: ${clusterRelease.dependencies.join(", ")}`);
        assert.ok(!dependsOn(r, namespaceRelease.urn, clusterRelease.urn), "the namespace release must not wait for the cluster one");
    });

    it("sets only values paths the pinned chart's values.yaml has, in both releases", function () {
        const ref = reference(this);
        for (const [name, values] of [[CLASS, namespaced], [CLUSTER_CLASS, cluster]] as const) {
            const unknown = leafPaths(values).filter((dotted) => !pathAllowed(ref.controller, dotted));
            assert.deepStrictEqual(unknown, [], `${name} sets paths the chart does not have`);
        }
    });
});

describe("the catch-all Ingress (hierarchical mode)", () => {
    let r: Run;
    let catchAll: Record<string, any>;
    before(async () => {
        r = await runOf("hierarchical");
        catchAll = ingressOf(r, `${NS}-ingress`);
    });

    it("is openstack-ingress in the openstack namespace, of the cluster controller's class", () => {
        assert.strictEqual(catchAll.metadata.name, "openstack-ingress");
        assert.strictEqual(catchAll.metadata.namespace, NS);
        assert.strictEqual(catchAll.spec.ingressClassName, CLUSTER_CLASS);
        assert.strictEqual(catchAll.spec.ingressClassName, releaseValues(r, CLUSTER_CLASS).controller.ingressClass);
    });

    it("routes every in-cluster name of the namespace, and nothing else without a public domain", () => {
        assert.deepStrictEqual(hostsOf(catchAll), [`*.${NS}.svc.cluster.local`]);
    });

    it("also routes *.<publicDomain> when one is set", async () => {
        const withDomain = ingressOf(await runOf("hierarchicalSecret"), `${NS}-ingress`);
        assert.deepStrictEqual(hostsOf(withDomain).sort(), [`*.${NS}.svc.cluster.local`, `*.${DOMAIN}`].sort());
    });

    it("hands everything to the namespace controller's Service on its http port", function () {
        const ref = reference(this);
        // The chart names its objects after fullnameOverride; its http Service port is httpPorts[0].
        const service = releaseValues(r, CLASS).fullnameOverride;
        const port = ref.controller.controller.service.httpPorts[0].port;
        assert.strictEqual(service, CLASS);
        assert.strictEqual(port, 80);
        for (const backend of backendsOf(catchAll)) {
            assert.deepStrictEqual(backend, { path: "/", pathType: "Prefix", name: service, port });
        }
    });

    it("carries no TLS without TLS config", () => {
        assert.strictEqual(catchAll.spec.tls, undefined);
    });

    it("waits, like every Ingress in openstack, for the openstack Namespace", () => {
        const namespace = r.get(NAMESPACE, "namespace");
        const missing = r.all(INGRESS).filter((ingress) => !dependsOn(r, ingress.urn, namespace.urn)).map((ingress) => ingress.name);
        assert.deepStrictEqual(missing, [], "Ingresses that may be created before their namespace exists");
    });
});

for (const mode of ["ingress", "hierarchical"] as const) {
    describe(`per-service Ingresses (${mode} mode)`, () => {
        let r: Run;
        before(async () => {
            r = await runOf(mode);
        });

        for (const service of API) {
            it(`${service}: in openstack, of the namespace controller's class ingress-openstack`, () => {
                const ingress = ingressOf(r, service);
                assert.strictEqual(ingress.apiVersion ?? "networking.k8s.io/v1", "networking.k8s.io/v1");
                assert.strictEqual(ingress.metadata.name, service);
                assert.strictEqual(ingress.metadata.namespace, NS);
                assert.strictEqual(ingress.spec.ingressClassName, CLASS);
                assert.strictEqual(ingress.spec.ingressClassName, releaseValues(r, CLASS).controller.ingressClass);
            });

            it(`${service}: hosts are exactly the short, namespaced and cluster-local names`, () => {
                assert.deepStrictEqual(hostsOf(ingressOf(r, service)), inClusterHosts(service));
            });

            it(`${service}: every host goes to the chart's Service and port, path / Prefix`, function () {
                const expected = chartBackend(reference(this), service);
                const backends = backendsOf(ingressOf(r, service));
                assert.strictEqual(backends.length, inClusterHosts(service).length);
                for (const backend of backends) assert.deepStrictEqual(backend, { path: "/", pathType: "Prefix", ...expected });
            });

            it(`${service}: no TLS without TLS config`, () => {
                assert.strictEqual(ingressOf(r, service).spec.tls, undefined);
            });
        }

        it("the backends are keystone-api:5000 and horizon-int:80 (today's charts)", function () {
            const ref = reference(this);
            assert.deepStrictEqual(chartBackend(ref, "keystone"), { name: "keystone-api", port: 5000 });
            assert.deepStrictEqual(chartBackend(ref, "horizon"), { name: "horizon-int", port: 80 });
            assert.deepStrictEqual(backendsOf(ingressOf(r, "keystone"))[0].name, "keystone-api");
        });
    });
}

describe("per-service Ingresses with a public domain", () => {
    for (const name of ["ingressDomain", "hierarchicalSecret"] as const) {
        it(`add <service>.<publicDomain> to the hosts (${name})`, async () => {
            const r = await runOf(name);
            for (const service of API) {
                assert.deepStrictEqual(hostsOf(ingressOf(r, service)), [...inClusterHosts(service), `${service}.${DOMAIN}`]);
            }
        });
    }

    it("carry no TLS when TLS is not configured", async () => {
        const r = await runOf("ingressDomain");
        for (const service of API) assert.strictEqual(ingressOf(r, service).spec.tls, undefined);
    });
});

describe("TLS for the public hosts", () => {
    describe("ingress mode with an existing Secret", () => {
        let r: Run;
        before(async () => {
            r = await runOf("ingressSecret");
        });

        it("terminates TLS for <service>.<publicDomain> on each per-service Ingress with that Secret", () => {
            for (const service of API) {
                assert.deepStrictEqual(ingressOf(r, service).spec.tls, [{ hosts: [`${service}.${DOMAIN}`], secretName: "wildcard-tls" }]);
            }
        });

        it("has no catch-all Ingress", () => {
            assert.strictEqual(r.find(INGRESS, `${NS}-ingress`), undefined);
        });

        it("generates no certificate of its own", () => {
            assert.deepStrictEqual(r.all(SECRET).map((secret) => secret.name), []);
            assert.deepStrictEqual(r.all("tls:index/selfSignedCert:SelfSignedCert"), []);
        });
    });

    describe("ingress mode with a cert-manager ClusterIssuer", () => {
        let r: Run;
        before(async () => {
            r = await runOf("ingressIssuer");
        });

        it("annotates each per-service Ingress with the ClusterIssuer", () => {
            for (const service of API) {
                assert.strictEqual(ingressOf(r, service).metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt");
            }
        });

        it("gives each Ingress a Secret of its own for cert-manager to fill, covering its public host", () => {
            const tls = API.map((service) => ingressOf(r, service).spec.tls);
            API.forEach((service, i) => {
                assert.strictEqual(tls[i].length, 1);
                assert.deepStrictEqual(tls[i][0].hosts, [`${service}.${DOMAIN}`]);
                assert.ok(typeof tls[i][0].secretName === "string" && tls[i][0].secretName.length > 0);
            });
            assert.notStrictEqual(tls[0][0].secretName, tls[1][0].secretName);
        });
    });

    describe("ingress mode with a self-signed certificate", () => {
        let r: Run;
        before(async () => {
            r = await runOf("ingressSelfSigned");
        });

        it("generates a private key and a self-signed certificate for *.<publicDomain>", () => {
            assert.strictEqual(r.all("tls:index/privateKey:PrivateKey").length, 1);
            const certs = r.all("tls:index/selfSignedCert:SelfSignedCert");
            assert.strictEqual(certs.length, 1);
            const cert = unwrap(certs[0].inputs) as Record<string, any>;
            assert.ok((cert.dnsNames as string[]).includes(`*.${DOMAIN}`), `dnsNames: ${cert.dnsNames}`);
        });

        it("stores them in a kubernetes.io/tls Secret in openstack whose tls.key is secret", () => {
            const secrets = r.all(SECRET);
            assert.strictEqual(secrets.length, 1);
            const inputs = secrets[0].inputs as Record<string, any>;
            assert.strictEqual(inputs.type, "kubernetes.io/tls");
            assert.strictEqual(get(unwrap(inputs), "metadata.namespace"), NS);
            const data = inputs.stringData === undefined ? "data" : "stringData";
            assert.ok((unwrap(inputs) as any)[data]["tls.key"], "tls.key missing");
            assert.ok(secretAt(inputs, [data, "tls.key"]), "tls.key is not marked secret");
        });

        it("points both per-service Ingresses at that Secret", () => {
            const secretName = get(unwrap(r.all(SECRET)[0].inputs), "metadata.name");
            for (const service of API) {
                assert.deepStrictEqual(ingressOf(r, service).spec.tls, [{ hosts: [`${service}.${DOMAIN}`], secretName }]);
            }
        });
    });

    describe("hierarchical mode", () => {
        let r: Run;
        before(async () => {
            r = await runOf("hierarchicalSecret");
        });

        it("terminates TLS on the catch-all only, for *.<publicDomain>", () => {
            assert.deepStrictEqual(ingressOf(r, `${NS}-ingress`).spec.tls, [{ hosts: [`*.${DOMAIN}`], secretName: "wildcard-tls" }]);
        });

        it("puts no TLS on the per-service Ingresses (the namespace controller does not face clients)", () => {
            for (const service of API) {
                const ingress = ingressOf(r, service);
                assert.strictEqual(ingress.spec.tls, undefined);
                assert.strictEqual(ingress.metadata.annotations?.["cert-manager.io/cluster-issuer"], undefined);
            }
        });
    });
});

describe("horizon behind TLS", () => {
    for (const name of ["ingressSecret", "hierarchicalSecret"] as const) {
        it(`trusts the proxy's X-Forwarded-Proto and the https origin (${name})`, async function () {
            const ref = reference(this);
            const config = releaseValues(await runOf(name), "horizon").conf.horizon.local_settings.config;
            assert.strictEqual(config.secure_proxy_ssl_header, true);
            assert.deepStrictEqual(config.csrf_trusted_origins, [`https://horizon.${DOMAIN}`]);
            // Same keys and types as the chart's own defaults, so its template renders them.
            const defaults = ref.horizon.conf.horizon.local_settings.config;
            assert.strictEqual(typeof defaults.secure_proxy_ssl_header, "boolean");
            assert.ok(Array.isArray(defaults.csrf_trusted_origins));
        });
    }

    for (const name of ["ingress", "ingressDomain", "hierarchical"] as const) {
        it(`sets neither without TLS (${name})`, async () => {
            const values = releaseValues(await runOf(name), "horizon");
            assert.strictEqual(get(values, "conf.horizon.local_settings.config.secure_proxy_ssl_header"), undefined);
            assert.strictEqual(get(values, "conf.horizon.local_settings.config.csrf_trusted_origins"), undefined);
        });
    }
});

describe("keystone's catalog", () => {
    for (const name of ["ingressSecret", "hierarchicalSecret"] as const) {
        it(`advertises https://keystone.<publicDomain>/v3 with a public domain and TLS (${name})`, async () => {
            const identity = releaseValues(await runOf(name), "keystone").endpoints.identity;
            assert.strictEqual(identity.host_fqdn_override.public, `keystone.${DOMAIN}`);
            assert.strictEqual(identity.scheme.public, "https");
            assert.strictEqual(identity.port.api.public, 443);
        });
    }

    for (const name of ["ingress", "hierarchical"] as const) {
        it(`leaves the public endpoint at the chart's default without a domain (${name})`, async () => {
            const values = releaseValues(await runOf(name), "keystone");
            for (const dotted of ["host_fqdn_override.public", "scheme.public", "port.api.public"]) {
                assert.strictEqual(get(values, `endpoints.identity.${dotted}`), undefined, dotted);
            }
        });
    }

    it("creates the Service the chart's default public host names, on the default port, to the API pods", async function () {
        const ref = reference(this);
        const identity = ref.keystone.endpoints.identity;
        const service = unwrap((await runOf("ingress")).get(SERVICE, identity.hosts.default).inputs) as Record<string, any>;
        assert.strictEqual(service.metadata.name, "keystone");
        assert.strictEqual(service.metadata.namespace, NS);
        assert.deepStrictEqual(service.spec.ports.map((port: any) => port.port), [identity.port.api.default]);
        assert.strictEqual(service.spec.selector.application, "keystone");
        assert.strictEqual(service.spec.selector.component, "api");
    });
});

describe("outputs: endpoints and checks", () => {
    let ref: Reference;
    before(function () {
        ref = reference(this);
    });
    const keystonePath = () => ref.keystone.endpoints.identity.path.default as string;
    const HORIZON_LOGIN = "/auth/login/";

    for (const mode of ["ingress", "hierarchical"] as const) {
        it(`lists each node with the Host header to send (${mode})`, async () => {
            const endpoints = (await runOf(mode)).plainOutputs().endpoints;
            for (const node of LAB_NODES) {
                assert.deepStrictEqual(
                    endpoints.keystone.filter((e: any) => e.url === `http://${node}${keystonePath()}`),
                    [{ url: `http://${node}${keystonePath()}`, hostHeader: `keystone.${NS}.svc.cluster.local` }],
                );
                assert.deepStrictEqual(
                    endpoints.horizon.filter((e: any) => e.url === `http://${node}${HORIZON_LOGIN}`),
                    [{ url: `http://${node}${HORIZON_LOGIN}`, hostHeader: `horizon.${NS}.svc.cluster.local` }],
                );
            }
            assert.deepStrictEqual(endpoints.keystone[0], { url: "http://ctrl-1/v3", hostHeader: "keystone.openstack.svc.cluster.local" });
        });

        it(`checks keystone and horizon through each node with curl and a Host header (${mode})`, async () => {
            const checks: string[] = (await runOf(mode)).plainOutputs().checks;
            assert.ok(checks.includes('curl -I http://ctrl-1/v3 -H "Host: keystone.openstack.svc.cluster.local"'), checks.join("\n"));
            for (const node of LAB_NODES) {
                assert.ok(checks.includes(`curl -I http://${node}${keystonePath()} -H "Host: keystone.${NS}.svc.cluster.local"`), node);
                assert.ok(checks.includes(`curl -I http://${node}${HORIZON_LOGIN} -H "Host: horizon.${NS}.svc.cluster.local"`), node);
            }
        });
    }

    for (const name of ["ingressSecret", "hierarchicalSecret"] as const) {
        it(`checks TLS hosts with --resolve to each node's address, never a Host header (${name})`, async () => {
            const outputs = (await runOf(name)).plainOutputs();
            const checks: string[] = outputs.checks;
            for (const service of API) {
                const host = `${service}.${DOMAIN}`;
                const path = service === "keystone" ? keystonePath() : HORIZON_LOGIN;
                for (const node of LAB_NODES) {
                    const check = checks.find((c) => c.includes(`--resolve ${host}:443:${NODE_IPS[node]}`));
                    assert.ok(check, `no --resolve check of ${host} through ${node}:\n${checks.join("\n")}`);
                    assert.ok(check.includes(`https://${host}${path}`), check);
                }
                assert.deepStrictEqual(checks.filter((c) => c.includes(`Host: ${host}`)), [], "a Host header does not set SNI");
            }
            const https = checks.filter((c) => c.includes("https://"));
            assert.ok(https.length > 0);
            for (const check of https) {
                assert.ok(check.includes("--resolve"), check);
                assert.ok(!/-H\s+"?Host:/.test(check), check);
            }
            assert.ok(outputs.endpoints.keystone.some((e: any) => e.url === `https://keystone.${DOMAIN}${keystonePath()}`));
        });
    }
});

describe("bad ingress config fails preview, naming the key", () => {
    const bad = (ingress: Record<string, unknown>) => failure(() => run(exposure("ingress", ingress)));

    it("an unknown controller", async () => {
        const message = await bad({ controller: "traefik" });
        assert.match(message, /taco:exposure\.ingress\.controller/);
        assert.match(message, /traefik/);
    });

    it("the same class for both controllers", async () => {
        const message = await bad({ className: "shared", clusterClassName: "shared" });
        assert.match(message, /taco:exposure\.ingress\.(clusterClassName|className)/);
    });

    it("the default cluster class given as the namespace class", async () => {
        const message = await bad({ className: CLUSTER_CLASS });
        assert.match(message, /taco:exposure\.ingress\.(clusterClassName|className)/);
    });

    it("TLS without a public domain", async () => {
        const message = await bad({ tls: { secretName: "wildcard-tls" } });
        assert.match(message, /taco:exposure\.ingress\.tls/);
        assert.match(message, /publicDomain/);
    });

    it("TLS of two kinds at once", async () => {
        const message = await bad({ publicDomain: DOMAIN, tls: { secretName: "wildcard-tls", selfSigned: true } });
        assert.match(message, /taco:exposure\.ingress\.tls/);
    });

    it("a public domain that is not a DNS name", async () => {
        const message = await bad({ publicDomain: "Not_A_Domain" });
        assert.match(message, /taco:exposure\.ingress\.publicDomain/);
        assert.match(message, /Not_A_Domain/);
    });
});

describe("switching exposure modes", () => {
    const stateful = ["mariadb", "rabbitmq"];

    for (const [from, to] of [["ingress", "hierarchical"], ["nodeport", "ingress"]] as const) {
        it(`${from} → ${to} leaves the mariadb and rabbitmq releases untouched`, async () => {
            const before = await runOf(from);
            const after = await runOf(to);
            for (const name of stateful) {
                const a = before.get(RELEASE, name);
                const b = after.get(RELEASE, name);
                assert.strictEqual(b.urn, a.urn, name);
                assert.deepStrictEqual(b.inputs, a.inputs, `${name} inputs changed`);
            }
        });
    }

    it("ingress → hierarchical keeps the namespace controller release (same name, namespace and URN)", async () => {
        const a = (await runOf("ingress")).get(RELEASE, CLASS);
        const b = (await runOf("hierarchical")).get(RELEASE, CLASS);
        assert.strictEqual(b.urn, a.urn);
        assert.strictEqual((b.inputs as any).name, (a.inputs as any).name);
        assert.strictEqual((b.inputs as any).namespace, (a.inputs as any).namespace);
        // What does change: it leaves the nodes' ports to the cluster controller.
        assert.notDeepStrictEqual(releaseValues(await runOf("hierarchical"), CLASS).controller.hostNetwork,
            releaseValues(await runOf("ingress"), CLASS).controller.hostNetwork);
    });
});

describe("stack files", () => {
    const stackExposure = (stack: string) => readYaml(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`)).config["taco:exposure"];

    it("staging runs a single namespace controller in ingress mode", async () => {
        assert.strictEqual(stackExposure("staging").mode, "ingress");
        const r = await runStackFile("staging");
        assert.strictEqual(r.plainOutputs().exposureMode, "ingress");
        assert.deepStrictEqual(controllerReleases(r).map((release) => release.name), [CLASS]);
        // Host networking only where the VIP (if any) is held on a node interface (test/vip.test.ts).
        const vipMode = stackExposure("staging").vip?.mode ?? "none";
        assert.strictEqual(r.values(CLASS).controller.hostNetwork, vipMode === "none" || vipMode === "interface");
        assert.strictEqual(r.find(INGRESS, `${NS}-ingress`), undefined);
        assert.deepStrictEqual(r.all(INGRESS).map((ingress) => ingress.name).sort(), [...API].sort());
    });

    it("prod is hierarchical with a public domain and TLS on the catch-all", async () => {
        const declared = stackExposure("prod");
        assert.strictEqual(declared.mode, "hierarchical");
        const domain: string = declared.ingress?.publicDomain;
        assert.ok(typeof domain === "string" && domain.length > 0, "prod sets taco:exposure.ingress.publicDomain");
        assert.ok(declared.ingress?.tls, "prod sets taco:exposure.ingress.tls");

        const r = await runStackFile("prod");
        assert.strictEqual(r.plainOutputs().exposureMode, "hierarchical");
        assert.deepStrictEqual(controllerReleases(r).map((release) => release.name).sort(), [CLASS, CLUSTER_CLASS].sort());
        const catchAll = ingressOf(r, `${NS}-ingress`);
        assert.ok(hostsOf(catchAll).includes(`*.${domain}`));
        assert.deepStrictEqual(catchAll.spec.tls.map((tls: any) => tls.hosts), [[`*.${domain}`]]);
        if (declared.ingress.tls.clusterIssuer) {
            assert.strictEqual(catchAll.metadata.annotations["cert-manager.io/cluster-issuer"], declared.ingress.tls.clusterIssuer);
        }
        for (const service of API) {
            const ingress = ingressOf(r, service);
            assert.ok(hostsOf(ingress).includes(`${service}.${domain}`));
            assert.strictEqual(ingress.spec.tls, undefined);
            assert.strictEqual(ingress.metadata.annotations?.["cert-manager.io/cluster-issuer"], undefined);
        }
        assert.strictEqual(r.values("keystone").endpoints.identity.host_fqdn_override.public, `keystone.${domain}`);
    });
});

describe("the namespace controller nested behind the cluster controller", () => {
    // haproxy-ingress rewrites X-Forwarded-Proto to `http` on plain-http requests unless a
    // fronting-proxy port shares the http port; with `use-forwarded-proto: true` it would instead
    // redirect every request whose header says http (haproxy.tmpl, v0.15.4).
    const config = (r: Run) => r.values("ingress-openstack").controller.config as Record<string, string> | undefined;

    it("passes the cluster controller's X-Forwarded-Proto and -For on as received", async () => {
        const nested = config(await run(exposure("hierarchical", { publicDomain: DOMAIN, tls: { secretName: "wildcard-tls" } })));
        assert.deepStrictEqual(nested, { "fronting-proxy-port": "80", "use-forwarded-proto": "false", forwardfor: "update" });
    });

    it("keeps haproxy-ingress's own header handling where it faces clients itself", async () => {
        assert.strictEqual(config(await run(exposure("ingress", { publicDomain: DOMAIN, tls: { secretName: "wildcard-tls" } }))), undefined);
    });
});
