// The first `pulumi up` as Helm and Pulumi's awaits will run it: the mocks run neither, so the
// model in lib/awaits.ts says what each registered resource waits for and what produces it, and
// these tests hold every run of the program to it. Negative controls show the check can fail.
import * as assert from "assert";
import { awaitModel, checkAwaits, RegisteredResource } from "../lib/awaits";
import { CHART_ROLLOUT, releasesBefore, SERVICE_NAMES, usesHelmWait } from "../lib/charts";
import { LAB_NODES, run, Run, runStackFile, StackValues } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SERVICE = "kubernetes:core/v1:Service";
const TAINT = [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }];

const CONFIGS: Record<string, StackValues> = {
    "nodeport Cluster": {
        "taco:exposure": { mode: "nodeport", nodePort: { externalTrafficPolicy: "Cluster", publicEndpoint: { scheme: "http", host: "lb", port: 80 } } },
    },
    "ingress, tolerations": {
        "taco:nodes": { controlPlane: LAB_NODES, tolerations: TAINT },
        "taco:exposure": { mode: "ingress", ingress: { publicDomain: "cloud.example.com", tls: { clusterIssuer: "letsencrypt" } } },
    },
    "hierarchical, no nodes": { "taco:exposure": { mode: "hierarchical" } },
    ...vipConfigs(),
};

/** Every VIP mode (and BGP speaker) under each ingress mode that takes a VIP, on tainted nodes. */
function vipConfigs(): Record<string, StackValues> {
    const address = "10.10.10.254";
    const bgp = (speaker: string) => ({ speaker, myASN: 64512, peers: [{ address: "10.10.10.1", asn: 64513 }], holdTime: 9 });
    const vips: Record<string, object> = {
        interface: { mode: "interface", address, interface: "eth0" },
        l2: { mode: "l2", address },
        "routed metallb": { mode: "routed", address, bgp: { ...bgp("metallb"), bfd: { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 } } },
        "routed calico": { mode: "routed", address, bgp: bgp("calico") },
    };
    return Object.fromEntries(["ingress", "hierarchical"].flatMap((mode) => Object.entries(vips).map(([name, vip]) => [`${mode}, vip ${name}`, {
        "taco:nodes": { controlPlane: LAB_NODES, tolerations: TAINT },
        "taco:exposure": { mode, ingress: {}, vip },
    }])));
}
const STACKS = ["dev", "staging", "prod"];
const runs = new Map<string, Promise<Run>>();
const scenario = (name: string) => {
    if (!runs.has(name)) runs.set(name, STACKS.includes(name) ? runStackFile(name) : run(CONFIGS[name] ?? {}));
    return runs.get(name)!;
};
const ALL = ["default", ...STACKS, ...Object.keys(CONFIGS)];

/** A copy of the run's resources, with `edit` applied to the one of this type and name. */
function edited(r: Run, type: string, name: string, edit: (resource: RegisteredResource) => RegisteredResource): RegisteredResource[] {
    const target = r.get(type, name);
    return r.resources.map((resource) => resource === target ? edit(structuredClone(resource)) : resource);
}

describe("awaits: the chart facts decide Helm's wait", () => {
    for (const chart of SERVICE_NAMES) {
        const rollout = CHART_ROLLOUT[chart];
        const hookJobs = [...rollout.postInstallHooks, ...rollout.preDeleteHooks].map((hook) => hook.job);
        const waitsOnOwnHook = rollout.pods.waitsForJobs.some((job) => hookJobs.includes(job));

        it(`${chart}: uses Helm's wait exactly when its pods wait on no hook Job of its own release, and says why`, () => {
            assert.strictEqual(usesHelmWait(chart), !waitsOnOwnHook);
            assert.ok(rollout.why.length > 20, "no reason beside the facts");
        });

        it(`${chart}: the Release follows the rule (skipAwait without Helm's wait, waitForJobs only with it)`, async () => {
            for (const name of ["default", "prod"]) {
                const inputs = (await scenario(name)).get(RELEASE, chart).inputs;
                assert.strictEqual(inputs.skipAwait === true, waitsOnOwnHook, `${name}: skipAwait ${String(inputs.skipAwait)}`);
                // The provider ignores waitForJobs under skipAwait (helm_release.go).
                if (waitsOnOwnHook) assert.strictEqual(inputs.waitForJobs, undefined, `${name}: waitForJobs set under skipAwait`);
                else assert.strictEqual(inputs.waitForJobs, true, `${name}: the chart's Jobs are not waited for`);
            }
        });

        it(`${chart}: every hook Job a pod or a hook waits for is a hook of the chart, in Helm's order (weight, then name)`, () => {
            const hooks = rollout.postInstallHooks;
            const sorted = [...hooks].sort((a, b) => a.weight - b.weight || a.job.localeCompare(b.job));
            assert.deepStrictEqual(hooks.map((hook) => hook.job), sorted.map((hook) => hook.job));
            for (const [i, hook] of hooks.entries()) {
                for (const job of hook.waitsForJobs) {
                    const before = hooks.slice(0, i).map((earlier) => earlier.job);
                    assert.ok(before.includes(job), `${hook.job} waits for ${job}, which Helm has not run before it: a deadlock`);
                }
            }
        });
    }

    it("keystone: the API pods wait on its hooks, so Helm's wait is off; seven hooks, and credential-cleanup on destroy", () => {
        assert.strictEqual(usesHelmWait("keystone"), false);
        assert.strictEqual(CHART_ROLLOUT.keystone.postInstallHooks.length, 7);
        assert.deepStrictEqual(CHART_ROLLOUT.keystone.preDeleteHooks.map((hook) => hook.job), ["keystone-credential-cleanup"]);
    });

    it("keeps one release order only: keystone after mariadb, which its pre-delete hook needs on destroy", () => {
        assert.deepStrictEqual(Object.fromEntries(SERVICE_NAMES.map((chart) => [chart, releasesBefore(chart)])),
            { rabbitmq: [], memcached: [], mariadb: [], keystone: ["mariadb"], horizon: [] });
    });

    for (const name of ["default", "dev", "prod"]) {
        it(`${name}: each openstack-helm release depends on exactly the releases releasesBefore names`, async () => {
            const r = await scenario(name);
            const releaseUrns = new Map(SERVICE_NAMES.map((chart) => [r.get(RELEASE, chart).urn, chart]));
            for (const chart of SERVICE_NAMES) {
                const on = r.get(RELEASE, chart).dependencies.filter((urn) => releaseUrns.has(urn)).map((urn) => releaseUrns.get(urn));
                assert.deepStrictEqual(on.sort(), [...releasesBefore(chart)].sort(), `${chart} depends on releases ${on.join(", ")}`);
            }
        });
    }
});

describe("awaits: every wait's producer is among the waiter's dependencies", () => {
    for (const name of ALL) {
        it(`${name}: no violation of the model`, async () => {
            assert.deepStrictEqual(checkAwaits((await scenario(name)).resources), []);
        });
    }

    it("classifies keystone as its hook chain (7 × timeout) and mariadb as Helm's wait", async () => {
        const model = awaitModel((await scenario("default")).resources);
        const of = (chart: string) => model.find((entry) => entry.resource.type === RELEASE && entry.resource.name === chart)!;
        const keystone = of("keystone");
        const timeout = keystone.resource.inputs.timeout as number;
        assert.deepStrictEqual(keystone.waits.map((wait) => wait.kind), ["helm-hooks"]);
        assert.strictEqual(keystone.waits[0].timeoutSeconds, 7 * timeout);
        assert.ok(keystone.skipped && keystone.skipped.length > 0);
        assert.deepStrictEqual(of("mariadb").waits.map((wait) => wait.kind), ["helm-wait"]);
    });

    it("has the catalog Service wait for its pods' endpoints, produced by keystone, memcached and mariadb", async () => {
        const r = await scenario("default");
        const service = awaitModel(r.resources).find((entry) => entry.resource.type === SERVICE && entry.resource.name === "keystone")!;
        assert.deepStrictEqual(service.waits.map((wait) => wait.kind), ["service-endpoints"]);
        assert.deepStrictEqual(service.waits[0].producers.sort(), ["keystone", "mariadb", "memcached"].map((chart) => r.get(RELEASE, chart).urn).sort());
    });

    it("has horizon's node-port Service wait for horizon, and for keystone whose API its pods need", async () => {
        const r = await scenario("dev");
        const service = awaitModel(r.resources).find((entry) => entry.resource.name === "horizon-nodeport")!;
        const producers = service.waits[0].producers;
        for (const chart of ["horizon", "keystone", "memcached", "mariadb"]) assert.ok(producers.includes(r.get(RELEASE, chart).urn), chart);
    });

    describe("negative controls: the check fails when", () => {
        it("the catalog Service does not depend on keystone's release (as before issue 7)", async () => {
            const r = await scenario("default");
            const keystone = r.get(RELEASE, "keystone").urn;
            const problems = checkAwaits(edited(r, SERVICE, "keystone", (s) => ({ ...s, dependencies: s.dependencies.filter((urn) => urn !== keystone) })));
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /Service keystone waits for .* produced by kubernetes:helm.sh\/v3:Release keystone/);
        });

        it("a node-port Service depends only on the namespace", async () => {
            const r = await scenario("dev");
            const namespace = r.get("kubernetes:core/v1:Namespace", "namespace").urn;
            const problems = checkAwaits(edited(r, SERVICE, "keystone-nodeport", (s) => ({ ...s, dependencies: [namespace] })));
            assert.ok(problems.length >= 3 && problems.every((p) => p.includes("keystone-nodeport")), problems.join("\n"));
        });

        it("an Ingress no longer skips its await and does not depend on its controller", async () => {
            const r = await scenario("staging");
            const problems = checkAwaits(edited(r, "kubernetes:networking.k8s.io/v1:Ingress", "keystone", (ingress) => {
                (ingress.inputs.metadata as any).annotations = {};
                return { ...ingress, dependencies: [] };
            }));
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /Ingress keystone waits for an address .* produced by .*Release ingress-openstack/);
        });

        it("a release does not wait for the node labels its pods and hook Jobs select", async () => {
            const r = await scenario("dev");
            const patches = new Set(r.all("kubernetes:core/v1:NodePatch").map((patch) => patch.urn));
            // horizon: keystone would still reach the patches through mariadb's release.
            const problems = checkAwaits(edited(r, RELEASE, "horizon", (release) => ({ ...release, dependencies: release.dependencies.filter((urn) => !patches.has(urn)) })));
            assert.strictEqual(problems.length, 6, problems.join("\n"));
            assert.ok(problems.every((p) => /Release horizon waits for 2 post-install hook Jobs .* produced by kubernetes:core\/v1:NodePatch ctrl-\d/.test(p)), problems.join("\n"));
        });

        it("a Service selects pods no registered release produces", async () => {
            const r = await scenario("default");
            const problems = checkAwaits(edited(r, SERVICE, "keystone", (s) => {
                (s.inputs.spec as any).selector = { app: "somebody-else" };
                return s;
            }));
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /no registered resource produces/);
        });

        it("a Service turns its await off without a stated reason", async () => {
            const r = await scenario("default");
            const problems = checkAwaits(edited(r, SERVICE, "keystone", (s) => {
                (s.inputs.metadata as any).annotations = { "pulumi.com/skipAwait": "true" };
                return s;
            }));
            assert.deepStrictEqual(problems.map((p) => /without a stated reason/.test(p)), [true]);
        });

        it("a hook polls a release that depends on the hook's own release (a deadlock)", async () => {
            const r = await scenario("default");
            const keystone = r.get(RELEASE, "keystone").urn;
            const problems = checkAwaits(edited(r, RELEASE, "rabbitmq", (release) => ({ ...release, dependencies: [...release.dependencies, keystone] })));
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /polls .*rabbitmq from a hook/);
        });
    });

    describe("the VIP's MetalLB (helm.v4.Chart) → its custom resources → the entry controller's release", () => {
        const CHART_V4 = "kubernetes:helm.sh/v4:Chart";
        const POOL = "kubernetes:metallb.io/v1beta1:IPAddressPool";

        it("models the rendered chart as waiting on the node labels its speakers select, and the CRs on the chart", async () => {
            const r = await scenario("ingress, vip l2");
            const model = awaitModel(r.resources);
            const chart = model.find((entry) => entry.resource.type === CHART_V4)!;
            assert.ok(chart, "the MetalLB chart is not in the model");
            const patches = r.all("kubernetes:core/v1:NodePatch").filter((patch) => JSON.stringify(patch.inputs).includes("taco-exposure/api-node")).map((patch) => patch.urn);
            assert.deepStrictEqual([...chart.waits[0].producers].sort(), patches.sort());
            const pool = model.find((entry) => entry.resource.type === POOL)!;
            assert.deepStrictEqual(pool.waits.map((wait) => [wait.kind, wait.producers]), [["admission-webhook", [chart.resource.urn]]]);
            const controller = model.find((entry) => entry.resource.type === RELEASE && entry.resource.name === "ingress-openstack")!;
            const address = controller.waits.find((wait) => wait.kind === "load-balancer-address")!;
            assert.ok(address.producers.includes(chart.resource.urn) && address.producers.includes(r.get(POOL, "taco-vip-ipaddresspool").urn));
        });

        it("Calico's custom resources need Calico in the cluster, not a release of the program", async () => {
            const model = awaitModel((await scenario("hierarchical, vip routed calico")).resources);
            const peer = model.find((entry) => entry.resource.type === "kubernetes:crd.projectcalico.org/v1:BGPPeer")!;
            assert.deepStrictEqual(peer.waits[0].producers, []);
            assert.match(peer.waits[0].external.join(), /Calico as the cluster's network plugin/);
        });

        it("fails when the pool does not wait for the MetalLB chart", async () => {
            const r = await scenario("ingress, vip routed metallb");
            const chart = r.get(CHART_V4, "metallb").urn;
            const problems = checkAwaits(edited(r, POOL, "taco-vip-ipaddresspool", (pool) => ({ ...pool, dependencies: pool.dependencies.filter((urn) => urn !== chart) })));
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /IPAddressPool taco-vip-ipaddresspool waits for the metallb.io CRDs .* produced by kubernetes:helm.sh\/v4:Chart metallb/);
        });

        it("fails when the entry controller's release does not wait for the pool", async () => {
            const r = await scenario("hierarchical, vip l2");
            const pool = r.get(POOL, "taco-vip-ipaddresspool").urn;
            const problems = checkAwaits(edited(r, RELEASE, "ingress-cluster", (release) => ({ ...release, dependencies: release.dependencies.filter((urn) => urn !== pool) })));
            assert.ok(problems.some((problem) => /Release ingress-cluster waits for the address .*IPAddressPool taco-vip-ipaddresspool/.test(problem)), problems.join("\n"));
        });
    });

    describe("objects the VIP work adds (MetalLB), checked by type", () => {
        const urn = (type: string, name: string) => `urn:pulumi:test::taco::${type}::${name}`;
        const resource = (type: string, name: string, inputs: Record<string, unknown>, dependencies: string[] = []): RegisteredResource =>
            ({ type, name, urn: urn(type, name), dependencies, custom: true, read: false, inputs });
        const metallb = resource(RELEASE, "metallb", { name: "metallb", chart: "metallb", timeout: 600 });
        const pool = (deps: string[]) => resource("kubernetes:metallb.io/v1beta1:IPAddressPool", "vip-pool", { spec: { addresses: ["192.0.2.10/32"] } }, deps);
        const l2 = (deps: string[]) => resource("kubernetes:metallb.io/v1beta1:L2Advertisement", "vip-l2", { spec: {} }, deps);
        const controller = (deps: string[], type = "LoadBalancer") => resource(RELEASE, "ingress-openstack",
            { name: "ingress-openstack", chart: "haproxy-ingress", timeout: 600, values: { controller: { ingressClass: "ingress-openstack", service: { type } } } }, deps);

        it("accepts MetalLB CRs after the MetalLB release and a LoadBalancer controller after all of them", () => {
            const p = pool([metallb.urn]);
            const a = l2([metallb.urn, p.urn]);
            assert.deepStrictEqual(checkAwaits([metallb, p, a, controller([p.urn, a.urn])]), []);
        });

        it("rejects a pool created before MetalLB's webhook serves", () => {
            const problems = checkAwaits([metallb, pool([]), l2([metallb.urn])]);
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /IPAddressPool vip-pool waits for the metallb.io CRDs/);
        });

        it("rejects a controller whose LoadBalancer Service Helm waits on before the pool exists", () => {
            const p = pool([metallb.urn]);
            const problems = checkAwaits([metallb, p, l2([metallb.urn]), controller([metallb.urn])]);
            assert.ok(problems.some((problem) => /ingress-openstack waits for the address/.test(problem)), problems.join("\n"));
        });

        it("takes the chart's LoadBalancer default when the controller sets no service type", () => {
            const model = awaitModel([controller([], undefined as unknown as string)]);
            assert.ok(model[0].waits.some((wait) => wait.kind === "load-balancer-address"));
        });

        it("treats MetalLB already in the cluster (no release) as an outside producer", () => {
            const model = awaitModel([pool([])]);
            assert.deepStrictEqual(model[0].waits[0].producers, []);
            assert.match(model[0].waits[0].external.join(), /metallb.io CRDs and controller/);
        });
    });
});
