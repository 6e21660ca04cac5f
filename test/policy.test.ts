// The policy pack's rules (policy/rules.ts), fed resources the way the engine hands them: type
// token, the inputs as registered, a URN; and then fed everything the real program registers.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { INGRESS_CONTROLLER_CHARTS } from "../lib/ingressControllers";
import { SERVICE_NAMES } from "../lib/charts";
import {
    CHART_DEFAULT_CREDENTIALS, CHART_NODE_PORT_SERVICES, chartName, CONTROLLER_CHARTS, externalTrafficPolicyLocal, HAPROXY_INGRESS_DEFAULTS, ingressClassServed,
    isClusterHost, noConfigSnippets, noDefaultPasswords, noExternalStatefulServices, noIngressToStateful, POLICIES,
    publicHostsHaveTls, TYPES, WELL_KNOWN_SECRETS,
} from "../policy/rules";
import { pinnedChartValues, run, Run, runStackFile, unwrap } from "./support";

type Props = Record<string, any>;
interface Resource { type: string; name: string; props: Props }

const urn = (r: Resource) => `urn:pulumi:test::taco::${r.type}::${r.name}`;

function resourceArgs(r: Resource, config: object = {}): ResourceValidationArgs {
    return {
        type: r.type, props: r.props, urn: urn(r), name: r.name,
        opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [] } as any,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string) => { throw new Error(`not applicable: ${reason}`); },
    };
}

function policyResource(r: Resource): PolicyResource {
    return {
        type: r.type, props: r.props, urn: urn(r), name: r.name,
        opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [] } as any,
        dependencies: [], propertyDependencies: {},
        isType: () => false, asType: () => undefined,
    } as PolicyResource;
}

/** The violations `policy` reports on `resources` (each resource for a resource policy). */
async function violations(policy: ResourceValidationPolicy | StackValidationPolicy, resources: Resource[], config: object = {}): Promise<string[]> {
    const found: string[] = [];
    const report = (message: string) => { found.push(message); };
    if ("validateStack" in policy && policy.validateStack) {
        const args: StackValidationArgs = { resources: resources.map(policyResource), getConfig: <T extends object>() => config as T } as StackValidationArgs;
        await policy.validateStack(args, report);
    } else {
        const validate = (policy as ResourceValidationPolicy).validateResource;
        for (const r of resources) for (const fn of [validate ?? []].flat()) await fn(resourceArgs(r, config), report);
    }
    return found;
}

// ---- resources shaped as the program registers them ----

const service = (name: string, type: string, selector: Props, extra: Props = {}): Resource => ({
    type: TYPES.service, name, props: { metadata: { name, namespace: "openstack" }, spec: { type, selector, ports: [{ port: 80 }], ...extra } },
});
const ingress = (name: string, className: string | undefined, hosts: string[], backend: string, tls?: string[]): Resource => ({
    type: TYPES.ingress, name, props: {
        metadata: { name, namespace: "openstack" },
        spec: {
            ...(className ? { ingressClassName: className } : {}),
            rules: hosts.map((host) => ({ host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: backend, port: { number: 80 } } } }] } })),
            ...(tls ? { tls: [{ hosts: tls, secretName: `${name}-tls` }] } : {}),
        },
    },
});
const controller = (name: string, controllerValues: Props, top: Props = {}): Resource => ({
    type: TYPES.release, name, props: {
        name, namespace: "openstack", chart: "haproxy-ingress", version: "0.15.4", repositoryOpts: { repo: "https://haproxy-ingress.github.io/charts" },
        values: { fullnameOverride: name, ...top, controller: { ingressClass: name, ingressClassResource: { enabled: true }, extraArgs: { "disable-config-keywords": "*" }, service: { type: "ClusterIP" }, ...controllerValues } },
    },
});
const release = (chart: string, values: Props): Resource => ({
    type: TYPES.release, name: chart, props: { name: chart, namespace: "openstack", chart, version: "2026.1.1+0ee5adeff", values },
});
/** Values that override every default credential of `chart` with `value`. */
function credentials(chart: string, value: (dotted: string) => string): Props {
    const values: Props = {};
    for (const dotted of CHART_DEFAULT_CREDENTIALS[chart]) {
        const keys = dotted.split(".");
        let node = values;
        for (const key of keys.slice(0, -1)) node = node[key] ??= {};
        node[keys[keys.length - 1]] = value(dotted);
    }
    return values;
}

const keystoneApi = { release_group: "keystone", application: "keystone", component: "api" };

describe("policy rules, one by one", () => {
    describe("no-external-stateful-services", () => {
        it("passes a NodePort Service of keystone and a ClusterIP Service of mariadb", async () => {
            assert.deepStrictEqual(await violations(noExternalStatefulServices, [
                service("keystone-nodeport", "NodePort", keystoneApi, { externalTrafficPolicy: "Local" }),
                service("mariadb-extra", "ClusterIP", { application: "mariadb" }),
            ]), []);
        });
        it("fails NodePort and LoadBalancer Services that select mariadb, rabbitmq or memcached pods", async () => {
            const found = await violations(noExternalStatefulServices, [
                service("db", "NodePort", { application: "mariadb", component: "server" }),
                service("mq", "LoadBalancer", { release_group: "rabbitmq" }),
                service("memcached-np", "NodePort", { app: "whatever" }),
            ]);
            assert.strictEqual(found.length, 3, found.join("\n"));
        });
        it("fails an ingress controller that proxies TCP to mariadb", async () => {
            const found = await violations(noExternalStatefulServices, [controller("ingress-openstack", { tcp: { 3306: "openstack/mariadb:3306" } })]);
            assert.match(found.join(), /proxies TCP to openstack\/mariadb/);
        });
    });

    describe("no-ingress-to-stateful-services", () => {
        it("passes an Ingress to keystone-api", async () => {
            assert.deepStrictEqual(await violations(noIngressToStateful, [ingress("keystone", "c", ["keystone"], "keystone-api")]), []);
        });
        it("fails Ingresses to rabbitmq's Service and to a Service that selects mariadb pods", async () => {
            const found = await violations(noIngressToStateful, [
                ingress("mq", "c", ["mq"], "rabbitmq"),
                service("db-front", "ClusterIP", { application: "mariadb" }),
                ingress("db", "c", ["db"], "db-front"),
            ]);
            assert.strictEqual(found.length, 2, found.join("\n"));
        });
    });

    describe("external-traffic-policy-local", () => {
        it("passes a Local NodePort Service and a controller whose Service is ClusterIP", async () => {
            assert.deepStrictEqual(await violations(externalTrafficPolicyLocal, [
                service("keystone-nodeport", "NodePort", keystoneApi, { externalTrafficPolicy: "Local" }),
                controller("ingress-openstack", {}),
            ]), []);
        });
        it("fails Cluster, and an unset policy (Kubernetes defaults it to Cluster)", async () => {
            const found = await violations(externalTrafficPolicyLocal, [
                service("a", "NodePort", keystoneApi, { externalTrafficPolicy: "Cluster" }),
                service("b", "LoadBalancer", keystoneApi),
            ]);
            assert.strictEqual(found.length, 2, found.join("\n"));
        });
        it("reads the LoadBalancer Service a controller release renders: chart default Local passes, Cluster fails", async () => {
            assert.deepStrictEqual(await violations(externalTrafficPolicyLocal, [controller("vip", { service: { type: "LoadBalancer" } })]), []);
            const found = await violations(externalTrafficPolicyLocal, [controller("vip", { service: { type: "LoadBalancer", externalTrafficPolicy: "Cluster" } })]);
            assert.match(found.join(), /Service vip \(LoadBalancer\) has externalTrafficPolicy Cluster/);
        });
        it("reads the NodePort Service a chart renders from its values: keystone and horizon node_port without external_policy_local fail", async () => {
            const found = await violations(externalTrafficPolicyLocal, [
                release("keystone", { network: { api: { node_port: { enabled: true } } } }),
                release("horizon", { network: { node_port: { enabled: true } } }),
            ]);
            assert.deepStrictEqual(found.map((v) => v.split(" ")[1]).sort(), ["horizon-int", "keystone-api"]);
            assert.deepStrictEqual(await violations(externalTrafficPolicyLocal, [
                release("keystone", { network: { admin: { node_port: { enabled: true } }, api: { external_policy_local: true } } }),
                release("horizon", { network: { node_port: { enabled: true }, external_policy_local: true } }),
            ]), []);
        });
        it("lets a stack opt out through its policy config", async () => {
            const resources = [service("a", "NodePort", keystoneApi, { externalTrafficPolicy: "Cluster" })];
            assert.deepStrictEqual(await violations(externalTrafficPolicyLocal, resources, { allowCluster: true }), []);
        });
    });

    describe("ingress-class-served", () => {
        it("passes Ingresses of the classes the stack's controllers create", async () => {
            assert.deepStrictEqual(await violations(ingressClassServed, [
                controller("ingress-openstack", {}), ingress("keystone", "ingress-openstack", ["keystone"], "keystone-api"),
            ]), []);
        });
        it("fails an unknown class, a missing class, and a class whose controller creates no IngressClass", async () => {
            const found = await violations(ingressClassServed, [
                controller("ingress-openstack", {}),
                controller("no-class", { ingressClassResource: { enabled: false } }),
                ingress("a", "nginx", ["a"], "keystone-api"),
                ingress("b", undefined, ["b"], "keystone-api"),
                ingress("c", "no-class", ["c"], "keystone-api"),
            ]);
            assert.strictEqual(found.length, 3, found.join("\n"));
        });
    });

    describe("public-hosts-have-tls", () => {
        it("passes cluster hosts without TLS and a public host with its own TLS", async () => {
            assert.deepStrictEqual(await violations(publicHostsHaveTls, [
                controller("ingress-openstack", { hostNetwork: true }),
                ingress("keystone", "ingress-openstack", ["keystone", "keystone.openstack", "keystone.openstack.svc.cluster.local", "keystone.cloud.example.com"],
                    "keystone-api", ["keystone.cloud.example.com"]),
            ]), []);
        });
        it("passes a nested controller's public host when the client-facing controller terminates TLS for it", async () => {
            assert.deepStrictEqual(await violations(publicHostsHaveTls, [
                controller("ingress-openstack", {}),
                controller("ingress-cluster", { hostNetwork: true }),
                ingress("keystone", "ingress-openstack", ["keystone.cloud.example.com"], "keystone-api"),
                ingress("openstack-ingress", "ingress-cluster", ["*.openstack.svc.cluster.local", "*.cloud.example.com"], "ingress-openstack", ["*.cloud.example.com"]),
            ]), []);
        });
        it("fails a public host without TLS, and one the wildcard does not cover", async () => {
            const found = await violations(publicHostsHaveTls, [
                controller("ingress-openstack", { hostNetwork: true }),
                ingress("keystone", "ingress-openstack", ["keystone.cloud.example.com"], "keystone-api"),
                ingress("horizon", "ingress-openstack", ["a.horizon.cloud.example.com"], "horizon-int", ["*.cloud.example.com"]),
            ]);
            assert.strictEqual(found.length, 2, found.join("\n"));
        });
        it("tells cluster names from public ones", () => {
            const namespaces = new Set(["openstack"]);
            for (const host of ["keystone", "keystone.openstack", "keystone.openstack.svc", "*.openstack.svc.cluster.local"]) assert.ok(isClusterHost(host, namespaces), host);
            for (const host of ["keystone.example", "keystone.cloud.example.com", "api.openstack.org"]) assert.ok(!isClusterHost(host, namespaces), host);
        });
    });

    describe("no-default-passwords", () => {
        it("passes releases that override every default credential with generated values", async () => {
            const resources = SERVICE_NAMES.map((chart) => release(chart, credentials(chart, (dotted) => `generated-${dotted.length}`)));
            assert.deepStrictEqual(await violations(noDefaultPasswords, resources), []);
        });
        it("fails a release that leaves a default credential unset, and one that sets a well-known value", async () => {
            const partial = credentials("mariadb", () => "x9");
            delete partial.endpoints.oslo_db.auth.sst;
            const found = await violations(noDefaultPasswords, [
                release("mariadb", partial),
                release("rabbitmq", credentials("rabbitmq", (dotted) => dotted.endsWith("erlang_cookie") ? "openstack-cookie" : "x9")),
            ]);
            assert.deepStrictEqual(found.sort(), [
                "release mariadb leaves endpoints.oslo_db.auth.sst.password at the chart's well-known default",
                "release rabbitmq sets endpoints.oslo_messaging.auth.erlang_cookie to a well-known default",
            ]);
        });
    });

    describe("no-config-snippets", () => {
        it("passes a controller with --disable-config-keywords=*, fails one without", async () => {
            assert.deepStrictEqual(await violations(noConfigSnippets, [controller("a", {})]), []);
            const found = await violations(noConfigSnippets, [controller("b", { extraArgs: {} })]);
            assert.match(found.join(), /ingress controller b allows configuration snippets/);
        });
    });

    it("recognizes a controller chart by name, from a repository or a local archive", () => {
        assert.strictEqual(chartName({ chart: "haproxy-ingress" }), "haproxy-ingress");
        assert.strictEqual(chartName({ chart: "/site/charts/haproxy-ingress-0.15.4.tgz" }), "haproxy-ingress");
        assert.strictEqual(chartName({ chart: "/site/charts/keystone" }), "keystone");
        assert.strictEqual(chartName({ chart: "/site/charts/keystone-2026.1.24+0ee5adeff.tgz" }), "keystone");
    });
});

describe("policy rules agree with the pinned charts", () => {
    it("knows every well-known credential the five charts ship", function () {
        for (const chart of SERVICE_NAMES) {
            const defaults: string[] = [];
            const walk = (node: unknown, prefix: string) => {
                if (node !== null && typeof node === "object" && !Array.isArray(node)) {
                    for (const [key, value] of Object.entries(node)) walk(value, prefix ? `${prefix}.${key}` : key);
                } else if (typeof node === "string" && WELL_KNOWN_SECRETS.includes(node)) defaults.push(prefix);
            };
            walk(pinnedChartValues(this, chart), "");
            assert.deepStrictEqual([...CHART_DEFAULT_CREDENTIALS[chart]].sort(), defaults.sort(), chart);
        }
    });

    it("reads chart node-port switches that exist in the charts, off by default", function () {
        for (const [chart, shape] of Object.entries(CHART_NODE_PORT_SERVICES)) {
            const defaults = pinnedChartValues(this, chart);
            for (const dotted of [...shape.enabledBy, shape.localBy]) {
                assert.strictEqual(dotted.split(".").reduce<any>((node, key) => node?.[key], defaults), false, `${chart} ${dotted}`);
            }
        }
    });

    it("knows every ingress controller chart the program can install, with its values.yaml defaults", function () {
        for (const [kind, chart] of Object.entries(INGRESS_CONTROLLER_CHARTS)) assert.ok(CONTROLLER_CHARTS[chart.chart], `policy does not know ${kind}`);
        const defaults = pinnedChartValues(this, "haproxy-ingress");
        assert.deepStrictEqual(HAPROXY_INGRESS_DEFAULTS, {
            ingressClass: defaults.controller.ingressClass,
            serviceType: defaults.controller.service.type,
            externalTrafficPolicy: defaults.controller.service.externalTrafficPolicy,
        });
    });
});

/** What the program registered, as the policy engine receives it (secrets unwrapped). */
function asEngineSees(r: Run): Resource[] {
    return r.resources.filter((res) => res.custom).map((res) => ({ type: res.type, name: res.name, props: unwrap(res.inputs) as Props }));
}

async function allViolations(resources: Resource[], config: Record<string, object> = {}): Promise<string[]> {
    const found: string[] = [];
    for (const policy of POLICIES) found.push(...(await violations(policy, resources, config[policy.name] ?? {})).map((v) => `${policy.name}: ${v}`));
    return found;
}

describe("policy rules over what the program registers", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`passes every rule for stack ${stack}, with its policy config`, async () => {
            const config = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "policy", "config", `${stack}.json`), "utf8"));
            const resources = asEngineSees(await runStackFile(stack));
            assert.ok(resources.some((r) => r.type === TYPES.release));
            assert.deepStrictEqual(await allViolations(resources, config), []);
        });
    }

    // The example stacks cover l2 (staging) and routed MetalLB (prod); these the other VIP shapes.
    for (const [name, vip] of Object.entries({
        "ingress, interface VIP": { mode: "interface", address: "10.10.10.254", interface: "eth0" },
        "hierarchical, routed VIP announced by Calico": { mode: "routed", address: "10.10.10.254", bgp: { speaker: "calico", myASN: 64512, peers: [{ address: "10.10.10.1", asn: 64513 }], holdTime: 9 } },
    })) {
        it(`passes every rule for ${name}`, async () => {
            const mode = name.startsWith("ingress") ? "ingress" : "hierarchical";
            const resources = asEngineSees(await run({ "taco:nodes": { controlPlane: ["ctrl-1", "ctrl-2", "ctrl-3"] }, "taco:exposure": { mode, ingress: {}, vip } }));
            assert.deepStrictEqual(await allViolations(resources), []);
        });
    }

    it("fails nodeport with externalTrafficPolicy Cluster unless the stack opts out", async () => {
        const resources = asEngineSees(await run({
            "taco:exposure": { mode: "nodeport", nodePort: { externalTrafficPolicy: "Cluster", publicEndpoint: { host: "lb.example.com" } } },
        }));
        const found = await allViolations(resources);
        assert.strictEqual(found.length, 2, found.join("\n"));
        assert.ok(found.every((v) => v.startsWith("external-traffic-policy-local:")));
        assert.deepStrictEqual(await allViolations(resources, { "external-traffic-policy-local": { allowCluster: true } }), []);
    });

    it("fails a release whose values put a default password back (config refuses it; the rule stands behind it)", async () => {
        const resources = asEngineSees(await run({}));
        const rabbitmq = resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && r.props.name === "rabbitmq")!;
        rabbitmq.props.values.endpoints.oslo_messaging.auth.guest.password = "password";
        assert.deepStrictEqual(await allViolations(resources), ["no-default-passwords: release rabbitmq sets endpoints.oslo_messaging.auth.guest.password to a well-known default"]);
    });

    it("has a per-stack config naming only rules of the pack and their schema's properties", () => {
        const dir = path.resolve(__dirname, "..", "policy", "config");
        for (const file of fs.readdirSync(dir)) {
            const config = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as Record<string, Record<string, unknown>>;
            for (const [name, settings] of Object.entries(config)) {
                const policy = POLICIES.find((p) => p.name === name);
                assert.ok(policy, `${file}: no rule ${name}`);
                for (const key of Object.keys(settings)) {
                    assert.ok(key === "enforcementLevel" || key in (policy.configSchema?.properties ?? {}), `${file}: ${name} has no setting ${key}`);
                }
            }
        }
    });
});

const POLICY_DIR = path.resolve(__dirname, "..", "policy");

/** The pack started as Pulumi starts it, and the first line it prints (rejected if it exits first). */
function startPack(): { child: ChildProcess; firstLine: Promise<string> } {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
    const firstLine = new Promise<string>((resolve, reject) => {
        let out = "";
        let err = "";
        child.stdout!.on("data", (chunk) => { out += chunk; if (out.includes("\n")) resolve(out.split("\n")[0]); });
        child.stderr!.on("data", (chunk) => { err += chunk; });
        child.on("exit", (code) => reject(new Error(`policy pack exited ${code}: ${err}`)));
    });
    firstLine.catch(() => undefined); // read by the test below; a run that leaves the test out must not fail on it
    return { child, firstLine };
}

// Starting the pack is mostly loading: hooks of the root suite start it before the first test of the
// run (so it loads beside the other tests) and stop it after the last; the test reads its first line.
let pack: ReturnType<typeof startPack> | undefined;
before(() => { pack = startPack(); });
after(() => { pack?.child.kill(); });

describe("policy pack", () => {
    it("constructs the pack in policy/: its dependencies resolve through the workspace, its server reports a port", async function () {
        this.timeout(60_000);
        assert.ok(fs.existsSync(path.join(POLICY_DIR, "PulumiPolicy.yaml")));
        assert.ok(!fs.existsSync(path.join(POLICY_DIR, "node_modules")), "policy/ has its own node_modules: its dependencies are the workspace's");
        const firstLine = await pack!.firstLine;
        assert.match(firstLine, /^\d+$/, "the policy server prints the port it listens on");
    });
});
