// What a real cluster asks of the first `pulumi up` beyond the awaits (test/awaits.test.ts):
// tainted control-plane nodes, Pod Security admission, host ports, node labels shared with the
// installer, prerequisites read at preview, the rollout plan, and endpoints a person can use.
import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseConfig } from "../config";
import { CHART_ROLLOUT, SERVICE_NAMES, TOLERATION_GAPS, tolerationsPath } from "../lib/charts";
import { namespacePodSecurity, podSecurityLabels, podSecurityLevel } from "../lib/podSecurity";
import { planRollout, renderRollout } from "../lib/rollout";
import { readStackConfig } from "../tools/stackConfig";
import { failure, LAB_NODES, pathAllowed, readYaml, requireReference, run, Run, runStackFile, StackValues, toPulumiConfig } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NODE_PATCH = "kubernetes:core/v1:NodePatch";
const TOLERATIONS = [
    { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
    { key: "dedicated", operator: "Equal", value: "openstack", effect: "NoExecute", tolerationSeconds: 300 },
];
const DOMAIN = "cloud.example.com";
const modes: Record<string, StackValues> = {
    clusterip: { "taco:nodes": { controlPlane: LAB_NODES, tolerations: TOLERATIONS } },
    ingress: {
        "taco:nodes": { controlPlane: LAB_NODES, tolerations: TOLERATIONS },
        "taco:exposure": { mode: "ingress", ingress: { publicDomain: DOMAIN, tls: { secretName: "cloud-tls" } } },
    },
    hierarchical: {
        "taco:nodes": { controlPlane: LAB_NODES, tolerations: TOLERATIONS },
        "taco:exposure": { mode: "hierarchical", ingress: { publicDomain: DOMAIN, tls: { secretName: "cloud-tls" } } },
    },
};
const runs = new Map<string, Promise<Run>>();
const runOf = (name: string) => {
    if (!runs.has(name)) runs.set(name, run(modes[name]));
    return runs.get(name)!;
};
const get = (values: unknown, dotted: string): any =>
    dotted.split(".").reduce<any>((node, key) => (node === null || node === undefined ? undefined : node[key]), values);

/** The openstack-helm snapshot the charts are pinned to, where this machine has it. */
const OPENSTACK_HELM_GIT = process.env.TACO_OPENSTACK_HELM_GIT ?? "/work/.mirror/openstack+openstack-helm/repo";

describe("taints: taco:nodes.tolerations reach every pod placed on the control-plane nodes", () => {
    for (const chart of SERVICE_NAMES) {
        it(`${chart}: pod.tolerations.${chart} is enabled with the configured tolerations, a path the chart's values.yaml has`, async function () {
            const values = (await runOf("clusterip")).values(chart);
            assert.deepStrictEqual(get(values, tolerationsPath(chart)), { enabled: true, tolerations: TOLERATIONS });
            const defaults = readYaml(path.join(requireReference(this), "openstack-helm", chart, "values.yaml"));
            for (const leaf of ["enabled", "tolerations"]) {
                assert.ok(pathAllowed(defaults, `${tolerationsPath(chart)}.${leaf}`), `${chart} values.yaml has no ${tolerationsPath(chart)}.${leaf}`);
            }
        });
    }

    it("every Deployment, StatefulSet, Job and CronJob template reads pod.tolerations.<chart>.enabled, but the known gaps", function () {
        if (!fs.existsSync(OPENSTACK_HELM_GIT)) this.skip();
        const git = (...args: string[]) => execFileSync("git", ["-C", OPENSTACK_HELM_GIT, ...args], { encoding: "utf8" });
        /** Files under `dir` at HEAD whose text holds `needle` (`git grep` exits 1 when none does). */
        const filesContaining = (needle: string, dir: string) => {
            const result = spawnSync("git", ["-C", OPENSTACK_HELM_GIT, "grep", "-l", "-F", needle, "HEAD", "--", dir], { encoding: "utf8" });
            if (result.status !== 0 && result.status !== 1) throw new Error(`git grep: ${result.stderr}`);
            return result.stdout.split("\n").filter(Boolean).map((line) => line.replace(/^HEAD:/, ""));
        };
        for (const chart of SERVICE_NAMES) {
            const templates = git("ls-tree", "-r", "--name-only", "HEAD", `${chart}/templates`).split("\n")
                .filter((file) => /\/(deployment|statefulset|daemonset|job|cron-job|exporter-job)[^/]*\.yaml$/.test(file));
            assert.ok(templates.length > 0, chart);
            const gaps = (TOLERATION_GAPS[chart] ?? []).map((gap) => gap.template);
            const reading = filesContaining(`pod.tolerations.${chart}.enabled`, `${chart}/templates`);
            assert.deepStrictEqual(templates.filter((file) => !reading.includes(file)).sort(), [...gaps].sort(), `${chart}: templates that ignore the tolerations`);
        }
    });

    for (const mode of ["ingress", "hierarchical"]) {
        it(`the ingress controllers' pods tolerate them too, at paths haproxy-ingress 0.15.4 has (${mode})`, async function () {
            const r = await runOf(mode);
            const defaults = readYaml(path.join(requireReference(this), "controllers", "haproxy-ingress", "0.15.4", "values.yaml"));
            const controllers = r.all(RELEASE).filter((release) => release.inputs.chart === "haproxy-ingress");
            assert.strictEqual(controllers.length, mode === "ingress" ? 1 : 2);
            for (const release of controllers) {
                for (const dotted of ["controller.tolerations", "defaultBackend.tolerations"]) {
                    assert.deepStrictEqual(get(r.values(release.name), dotted), TOLERATIONS, `${release.name} ${dotted}`);
                    assert.ok(pathAllowed(defaults, dotted), dotted);
                }
            }
        });
    }

    it("sets no tolerations where none are configured", async () => {
        const r = await run({});
        for (const chart of SERVICE_NAMES) assert.strictEqual(get(r.values(chart), tolerationsPath(chart)), undefined, chart);
    });

    it("shows where they land in the rollout plan", async () => {
        const r = await runOf("ingress");
        const text = renderRollout("t", r.resources, parseConfig(toPulumiConfig(modes.ingress)));
        const shown = (release: string, dotted: string) => {
            const line = text.split("\n").find((l) => l.startsWith(`- ${release}: \`${dotted}\` = `));
            assert.ok(line, `${release} ${dotted} not in the plan`);
            return JSON.parse(line.slice(line.indexOf(" = ") + 3));
        };
        for (const chart of SERVICE_NAMES) assert.deepStrictEqual(shown(chart, `pod.tolerations.${chart}.tolerations`), TOLERATIONS);
        assert.deepStrictEqual(shown("ingress-openstack", "controller.tolerations"), TOLERATIONS);
    });
});

describe("Pod Security admission: the namespace admits what its pods need, no more", () => {
    const labelsOf = async (name: string) => ((await runOf(name)).get("core/v1:Namespace", "namespace").inputs.metadata as any).labels;

    for (const [mode, level] of [["clusterip", "baseline"], ["ingress", "privileged"], ["hierarchical", "baseline"]] as const) {
        it(`labels openstack ${level} in ${mode} mode (enforce, warn and audit)`, async () => {
            assert.deepStrictEqual(await labelsOf(mode), podSecurityLabels(level));
            for (const label of ["enforce", "warn", "audit"]) assert.strictEqual((await labelsOf(mode))[`pod-security.kubernetes.io/${label}`], level);
        });
    }

    it("needs privileged in ingress mode because of the controller's host networking, and says so", () => {
        const needs = namespacePodSecurity(parseConfig(toPulumiConfig(modes.ingress)));
        const privileged = needs.filter((need) => need.level === "privileged");
        assert.deepStrictEqual(privileged.map((need) => need.pods), ["ingress-openstack controller"]);
        assert.match(privileged[0].why, /hostNetwork/);
    });

    it("needs baseline, not restricted, for the five charts (root init containers), with a reason each", () => {
        const needs = namespacePodSecurity(parseConfig({}));
        assert.deepStrictEqual(needs.map((need) => need.pods), [...SERVICE_NAMES]);
        for (const need of needs) {
            assert.strictEqual(need.level, "baseline");
            assert.ok(need.why.length > 10, need.pods);
        }
    });

    it("turns privileged when raw values turn on memcached's AppArmor loader", async () => {
        const r = await run({ "taco:services": { memcached: { values: { pod: { mandatory_access_control: { type: "apparmor" } } } } } });
        assert.strictEqual((r.get("core/v1:Namespace", "namespace").inputs.metadata as any).labels["pod-security.kubernetes.io/enforce"], "privileged");
    });

    it("takes the most permissive need (the VIP pod's NET_ADMIN adds one)", () => {
        assert.strictEqual(podSecurityLevel([]), "restricted");
        assert.strictEqual(podSecurityLevel([{ pods: "a", level: "baseline", why: "" }, { pods: "vip", level: "privileged", why: "NET_ADMIN" }]), "privileged");
    });

    it("says in the plan what kube-system must admit in hierarchical mode", async () => {
        const text = renderRollout("t", (await runOf("hierarchical")).resources, parseConfig(toPulumiConfig(modes.hierarchical)));
        assert.match(text, /kube-system must admit `privileged`/);
        assert.match(text, /ingress-cluster controller: privileged: hostNetwork/);
    });
});

describe("host ports each mode binds, in the rollout plan", () => {
    const PORTS = "80/TCP http, 443/TCP https, 10253/TCP haproxy healthz (probes), 1936/TCP haproxy stats, 10254/TCP controller healthz and metrics";
    const planFor = async (name: string) => renderRollout("t", (await runOf(name)).resources, parseConfig(toPulumiConfig(modes[name])));

    it("ingress: the namespace controller on the API nodes binds 80, 443, 10253, 1936 and 10254", async () => {
        assert.ok((await planFor("ingress")).includes(`- ingress-openstack (openstack, host network) on every node labelled \`taco-exposure/api-node=enabled\`: ${PORTS}`));
    });

    it("hierarchical: only the cluster controller in kube-system binds them", async () => {
        const text = await planFor("hierarchical");
        assert.ok(text.includes(`- ingress-cluster (kube-system, host network) on every node labelled \`taco-exposure/api-node=enabled\`: ${PORTS}`));
        assert.ok(!text.includes("- ingress-openstack (openstack, host network)"));
    });

    it("nodeport (dev): the node ports, on every node", async () => {
        const text = renderRollout("dev", (await runStackFile("dev")).resources, parseConfig(readStackConfig("dev")));
        assert.ok(text.includes("- keystone-nodeport: node port 30500/TCP on every node (kube-proxy)"), text);
        assert.ok(text.includes("- horizon-nodeport: node port 31000/TCP on every node (kube-proxy)"), text);
    });

    it("clusterip: none", async () => {
        assert.match(await planFor("clusterip"), /Host ports bound on the nodes[^\n]*\n\n- none/);
    });
});

describe("node labels: the installer's label is shared, the program's own is forced", () => {
    // The mocks cannot run server-side apply: what a destroy releases depends on the field
    // managers in the cluster. These tests pin the options that decide it.
    it("patches the shared openstack-control-plane label without patchForce, in a patch of its own", async () => {
        const r = await runOf("clusterip");
        for (const node of LAB_NODES) {
            const shared = r.get(NODE_PATCH, `${node}-shared-labels`).inputs.metadata as any;
            assert.deepStrictEqual(shared.labels, { "openstack-control-plane": "enabled" });
            assert.strictEqual(shared.name, node);
            assert.strictEqual(shared.annotations?.["pulumi.com/patchForce"], undefined);
        }
    });

    it("keeps the program's own taco-exposure/api-node patch, forced, under its former name", async () => {
        const r = await runOf("clusterip");
        for (const node of LAB_NODES) {
            const own = r.get(NODE_PATCH, node).inputs.metadata as any;
            assert.deepStrictEqual(own.labels, { "taco-exposure/api-node": "enabled" });
            assert.strictEqual(own.annotations["pulumi.com/patchForce"], "true");
        }
    });

    it("still reads each node, so a node that does not exist fails the preview", async () => {
        const message = await failure(() => run(modes.clusterip, { cluster: { nodes: { "ctrl-1": "10.0.0.1", "ctrl-2": "10.0.0.2" } } }));
        assert.match(message, /ctrl-3/);
    });
});

describe("prerequisites read at preview", () => {
    const persistent: StackValues = { "taco:services": { mariadb: { persistence: { enabled: true, storageClass: "fast" } } } };
    const hierarchicalIssuer: StackValues = {
        "taco:exposure": { mode: "hierarchical", ingress: { publicDomain: DOMAIN, tls: { clusterIssuer: "letsencrypt" } } },
    };
    const ingressIssuer: StackValues = {
        "taco:exposure": { mode: "ingress", ingress: { publicDomain: DOMAIN, tls: { clusterIssuer: "letsencrypt" } } },
    };
    const http01 = { acme: { server: "https://acme.example/dir", solvers: [{ http01: { ingress: {} } }] } };
    const dns01 = { acme: { server: "https://acme.example/dir", solvers: [{ dns01: { rfc2136: {} } }] } };

    it("reads the StorageClass of a persistent volume, named after its config key", async () => {
        const r = await run(persistent, { cluster: { storageClasses: ["fast"] } });
        const read = r.resources.filter((resource) => resource.read && resource.type === "kubernetes:storage.k8s.io/v1:StorageClass");
        assert.deepStrictEqual(read.map((resource) => [resource.name, resource.id]), [["taco:services.mariadb.persistence.storageClass", "fast"]]);
    });

    it("fails when that StorageClass does not exist, the message naming the key", async () => {
        const message = await failure(() => run(persistent, { cluster: { storageClasses: ["general"] } }));
        assert.match(message, /taco:services\.mariadb\.persistence\.storageClass/);
        assert.match(message, /fast/);
    });

    it("reads nothing for a volume that is off", async () => {
        const r = await run({ "taco:services": { mariadb: { persistence: { enabled: false, storageClass: "fast" } } } }, { cluster: { storageClasses: [] } });
        assert.strictEqual(r.resources.filter((resource) => resource.read && resource.type.endsWith(":StorageClass")).length, 0);
    });

    it("reads the ClusterIssuer, named after its key, and fails when it is missing", async () => {
        const r = await run(ingressIssuer, { cluster: { clusterIssuers: { letsencrypt: http01 } } });
        const read = r.resources.find((resource) => resource.read && resource.type === "kubernetes:cert-manager.io/v1:ClusterIssuer");
        assert.deepStrictEqual([read?.name, read?.id], ["taco:exposure.ingress.tls.clusterIssuer", "letsencrypt"]);
        const message = await failure(() => run(ingressIssuer, { cluster: { clusterIssuers: {} } }));
        assert.match(message, /taco:exposure\.ingress\.tls\.clusterIssuer/);
    });

    it("accepts an HTTP-01-only issuer where each Ingress gets its own certificate (ingress mode)", async () => {
        await run(ingressIssuer, { cluster: { clusterIssuers: { letsencrypt: http01 } } });
    });

    it("fails hierarchical mode's wildcard on an ACME issuer without DNS-01, saying why", async () => {
        const message = await failure(() => run(hierarchicalIssuer, { cluster: { clusterIssuers: { letsencrypt: http01 } } }));
        assert.match(message, /taco:exposure\.ingress\.tls\.clusterIssuer/);
        assert.match(message, /no DNS-01 solver/);
        assert.ok(message.includes(`*.${DOMAIN}`), message);
    });

    it("accepts it with a DNS-01 solver, or an issuer that is not ACME", async () => {
        await run(hierarchicalIssuer, { cluster: { clusterIssuers: { letsencrypt: dns01 } } });
        await run(hierarchicalIssuer, { cluster: { clusterIssuers: { letsencrypt: { ca: { secretName: "root-ca" } } } } });
    });

    it("never reads the TLS Secret (its private key would land in the state)", async () => {
        const r = await runOf("ingress");
        assert.deepStrictEqual(r.resources.filter((resource) => resource.read && resource.type.endsWith(":Secret")), []);
    });
});

describe("the rollout plan of each example stack", () => {
    for (const stack of ["dev", "staging", "prod"]) {
        it(`${stack}: waves in dependency order, the critical path through keystone's hooks, and its worst case`, async () => {
            const r = await runStackFile(stack);
            const rollout = planRollout(r.resources);
            const step = (type: string, name: string) => rollout.steps.find((s) => s.model.resource.type === type && s.model.resource.name === name)!;
            for (const s of rollout.steps) {
                for (const dependency of s.model.resource.dependencies) {
                    const before = rollout.steps.find((other) => other.model.resource.urn === dependency);
                    if (before) assert.ok(before.wave < s.wave, `${s.model.resource.name} in wave ${s.wave}, its dependency ${before.model.resource.name} in ${before.wave}`);
                }
            }
            const keystone = step(RELEASE, "keystone");
            const timeout = keystone.model.resource.inputs.timeout as number;
            assert.strictEqual(keystone.worstSeconds, CHART_ROLLOUT.keystone.postInstallHooks.length * timeout);
            assert.ok(rollout.worstPath.includes(keystone), "keystone is not on the worst-case critical path");
            const mariadb = step(RELEASE, "mariadb");
            const last = rollout.worstPath[rollout.worstPath.length - 1];
            assert.strictEqual(last.worstFinish, mariadb.worstSeconds + keystone.worstSeconds + last.worstSeconds);

            const text = renderRollout(stack, r.resources, parseConfig(readStackConfig(stack)));
            for (const heading of ["## Read during preview", "### Wave 1", "## Critical path", "What typically dominates", "## What the cluster must provide", "## On destroy"]) {
                assert.ok(text.includes(heading), heading);
            }
            assert.ok(text.includes(`Keystone alone, at worst: 7 hooks × ${timeout / 60} min`), text);
            assert.match(text, /galera bootstrap/);
        });
    }

    it("is written by `npm run plan` (scripts/plan.ts calls renderRollout)", () => {
        assert.match(fs.readFileSync(path.join(__dirname, "..", "scripts", "plan.ts"), "utf8"), /renderRollout\(stack, run\.resources/);
    });
});

describe("endpoints with TLS: only URLs a person can use", () => {
    for (const mode of ["ingress", "hierarchical"]) {
        it(`lists only the https public URLs; plain-http node checks stay in checks, marked as probes (${mode})`, async () => {
            const outputs = (await runOf(mode)).plainOutputs();
            for (const service of ["keystone", "horizon"]) {
                const urls = (outputs.endpoints[service] as { url: string }[]).map((endpoint) => endpoint.url);
                assert.ok(urls.length > 0 && urls.every((url) => url.startsWith(`https://${service}.${DOMAIN}/`)), urls.join(", "));
            }
            const probes = (outputs.checks as string[]).filter((check) => check.startsWith("curl -I http://"));
            assert.ok(probes.length > 0);
            for (const probe of probes) assert.match(probe, /# probe/);
        });
    }

    it("keeps the node URLs with their Host header without TLS", async () => {
        const outputs = (await run({ "taco:nodes": { controlPlane: LAB_NODES }, "taco:exposure": { mode: "ingress" } })).plainOutputs();
        assert.ok((outputs.endpoints.keystone as { url: string; hostHeader?: string }[]).some((e) => e.url === "http://ctrl-1/v3" && e.hostHeader));
    });
});

describe("the dev stack points keystone's catalog at a load balancer", () => {
    it("advertises the load balancer's name, not a node", async () => {
        const endpoint = JSON.parse(readStackConfig("dev")["taco:exposure"]).nodePort.publicEndpoint;
        assert.ok(!LAB_NODES.includes(endpoint.host), endpoint.host);
        const r = await runStackFile("dev");
        assert.strictEqual(r.values("keystone").endpoints.identity.host_fqdn_override.public, endpoint.host);
    });
});
