// The five openstack-helm releases: what each installs, in which order, with which secrets shared
// between them, and that every values path they set is one the pinned chart reads.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PINNED_CHART_VERSIONS, SERVICE_NAMES } from "../lib/charts";
import { leafPaths } from "../lib/values";
import { readStackConfig } from "../tools/stackConfig";
import {
    isSecret, LAB_NODES, pathAllowed, pinnedChartValues, requireReference, run, Run, runStackFile, StackValues, unwrap,
} from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
/** The default repository. */
const DEFAULT_REPOSITORY = "https://tarballs.opendev.org/openstack/openstack-helm";
const COMPONENT_TYPES: Record<string, string> = {
    rabbitmq: "taco:openstack:RabbitMQ",
    memcached: "taco:openstack:Memcached",
    mariadb: "taco:openstack:MariaDB",
    keystone: "taco:openstack:Keystone",
    horizon: "taco:openstack:Horizon",
};
/** Keys the charts' templates read through helm-toolkit's endpoint lookups without a default in values.yaml. */
const LOOKUPS = [
    "endpoints.identity.host_fqdn_override.public",
    "endpoints.identity.port.api.public",
    "endpoints.identity.scheme.public",
];
const SECRET_LEAF = /(^|\.)(password|erlang_cookie|horizon_secret_key)$/;
const API_NODE_LABEL = { key: "taco-exposure/api-node", value: "enabled" };
const CONTROL_PLANE_LABEL = { key: "openstack-control-plane", value: "enabled" };

const NODEPORT_LOCAL = {
    mode: "nodeport",
    nodePort: { externalTrafficPolicy: "Local", publicEndpoint: { scheme: "http", host: "ctrl-1", port: 30500 } },
};

/** Inline configs, besides the stack files. */
const CONFIGS: Record<string, StackValues> = {
    default: {},
    "clusterip+nodes": { "taco:nodes": { controlPlane: LAB_NODES } },
    "nodeport+nodes": { "taco:nodes": { controlPlane: LAB_NODES }, "taco:exposure": NODEPORT_LOCAL },
    "ingress+nodes": {
        "taco:nodes": { controlPlane: LAB_NODES },
        "taco:exposure": { mode: "ingress", ingress: { publicDomain: "cloud.example.com", tls: { secretName: "cloud-tls" } } },
    },
    "hierarchical+nodes": {
        "taco:nodes": { controlPlane: LAB_NODES },
        "taco:exposure": { mode: "hierarchical", ingress: { publicDomain: "cloud.example.com", tls: { clusterIssuer: "letsencrypt" } } },
    },
    "nodeport-cluster": {
        "taco:exposure": {
            mode: "nodeport",
            nodePort: { externalTrafficPolicy: "Cluster", publicEndpoint: { scheme: "https", host: "api.cloud.example.com", port: 8443 } },
        },
    },
    overrides: {
        "taco:namespace": "cloud",
        "taco:services": {
            rabbitmq: { replicas: 2 },
            keystone: {
                version: "2026.1.30+abcdef012",
                replicas: 2,
                values: {
                    endpoints: {
                        identity: { auth: { admin: { region_name: "RegionTwo" } } },
                        oci_image_registry: { auth: { keystone: { username: "mirror-reader" } } },
                    },
                    conf: { keystone: { DEFAULT: { debug: true } } },
                },
            },
        },
    },
};
const STACK_FILES = ["dev", "prod", "staging"];

/** Runs are shared across tests; mocha runs hooks one after another, so runs never overlap. */
const runs = new Map<string, Promise<Run>>();
function scenario(name: string): Promise<Run> {
    if (!runs.has(name)) runs.set(name, STACK_FILES.includes(name) ? runStackFile(name) : run(CONFIGS[name]));
    return runs.get(name)!;
}

/** The config a scenario runs with, in stack-file form. */
function configOf(name: string): Record<string, any> {
    if (!STACK_FILES.includes(name)) return CONFIGS[name];
    return Object.fromEntries(Object.entries(readStackConfig(name)).map(([key, text]) => {
        try {
            return [key, JSON.parse(text)];
        } catch {
            return [key, text];
        }
    }));
}

function get(values: any, dotted: string): any {
    return dotted.split(".").reduce((node, key) => (node === undefined || node === null ? undefined : node[key]), values);
}

/** Every leaf (anything but a plain object or a secret marker) of raw inputs, with its path. */
function leaves(value: unknown, prefix = ""): { path: string; value: unknown }[] {
    if (isSecret(value) || value === null || typeof value !== "object" || Array.isArray(value)) return [{ path: prefix, value }];
    return Object.entries(value).flatMap(([key, inner]) => leaves(inner, prefix ? `${prefix}.${key}` : key));
}

/** Helm's merge of a user values file over a chart's: maps merge, anything else replaces. */
function helmMerge(base: any, overlay: any): any {
    if (base === null || typeof base !== "object" || Array.isArray(base)) return overlay;
    if (overlay === null || typeof overlay !== "object" || Array.isArray(overlay)) return overlay;
    const merged: Record<string, any> = { ...base };
    for (const [key, value] of Object.entries(overlay)) merged[key] = key in base ? helmMerge(base[key], value) : value;
    return merged;
}

function allScalars(value: unknown, at = ""): { path: string; value: unknown }[] {
    if (Array.isArray(value)) return value.flatMap((item, i) => allScalars(item, `${at}[${i}]`));
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([key, inner]) => allScalars(inner, at ? `${at}.${key}` : key));
    }
    return [{ path: at, value }];
}

/** The pinned chart's values.yaml (pulled charts when present, else shared/reference). */
function referenceValues(context: Mocha.Context, chart: string): Record<string, any> {
    return pinnedChartValues(context, chart);
}

const BASE_SCENARIOS = ["default", "dev", "prod"];

/** The five openstack-helm Releases (other Releases, such as ingress controllers, left out). */
function openstackReleases(r: Run) {
    return r.all(RELEASE).filter((release) => (SERVICE_NAMES as readonly string[]).includes(release.name));
}

for (const name of BASE_SCENARIOS) {
    describe(`releases (${name}): the five openstack-helm releases`, () => {
        let r: Run;
        before(async () => { r = await scenario(name); });
        const services = () => configOf(name)["taco:services"] ?? {};

        it("registers exactly five openstack-helm Releases: rabbitmq, memcached, mariadb, keystone, horizon", () => {
            const fromOpenstackHelm = r.all(RELEASE).filter((release) =>
                (unwrap(release.inputs.repositoryOpts) as any)?.repo === DEFAULT_REPOSITORY
                || (SERVICE_NAMES as readonly string[]).includes(String(release.inputs.chart))
                || Object.values(COMPONENT_TYPES).some((type) => release.parent.includes(`::${type}::`)));
            assert.deepStrictEqual(fromOpenstackHelm.map((release) => release.name).sort(),
                ["horizon", "keystone", "mariadb", "memcached", "rabbitmq"]);
        });

        for (const chart of SERVICE_NAMES) {
            it(`installs ${chart} as Helm release "${chart}" from the default repository at its pinned version, in openstack`, () => {
                const inputs = r.get(RELEASE, chart).inputs;
                assert.strictEqual(inputs.name, chart, "explicit release name (no random suffix)");
                assert.strictEqual(inputs.chart, chart);
                assert.strictEqual(inputs.version, services()[chart]?.version ?? PINNED_CHART_VERSIONS[chart]);
                assert.deepStrictEqual(unwrap(inputs.repositoryOpts), { repo: DEFAULT_REPOSITORY });
                assert.strictEqual(inputs.namespace, "openstack");
            });

            // Whether Helm's wait is on follows the chart's hooks: test/awaits.test.ts.
            it(`gives ${chart}'s wait and each of its hooks longer than Helm's 300 s default`, () => {
                const inputs = r.get(RELEASE, chart).inputs;
                assert.ok(typeof inputs.timeout === "number" && inputs.timeout > 300, `timeout ${String(inputs.timeout)}`);
            });

            it(`puts the ${chart} Release under its ${COMPONENT_TYPES[chart]} component, under the stack`, () => {
                const release = r.get(RELEASE, chart);
                const component = r.resources.find((res) => res.urn === release.parent);
                assert.ok(component, `no resource with the Release's parent URN ${release.parent}`);
                assert.strictEqual(component.type, COMPONENT_TYPES[chart]);
                const stack = r.resources.find((res) => res.type === "pulumi:pulumi:Stack");
                assert.ok(stack);
                assert.strictEqual(component.parent, stack.urn);
            });
        }

        it("creates the namespace the releases go to", () => {
            assert.strictEqual((r.get("core/v1:Namespace", "namespace").inputs.metadata as any).name, "openstack");
        });
    });

    describe(`releases (${name}): order`, () => {
        let r: Run;
        before(async () => { r = await scenario(name); });
        const urn = (chart: string) => r.get(RELEASE, chart).urn;
        const deps = (chart: string) => r.get(RELEASE, chart).dependencies;

        // Issue 7: the init containers of keystone's hooks and pods wait for rabbitmq's and
        // memcached's endpoints in the cluster; only destroy needs mariadb to outlive keystone.
        it("starts keystone after mariadb (its pre-delete hook needs it on destroy) and not after rabbitmq or memcached", () => {
            assert.ok(deps("keystone").includes(urn("mariadb")), `keystone does not depend on mariadb: ${deps("keystone").join(", ")}`);
            for (const backend of ["rabbitmq", "memcached"]) assert.ok(!deps("keystone").includes(urn(backend)), `keystone waits for ${backend}`);
        });

        it("starts horizon without waiting for keystone (its pods' init containers wait for keystone's API)", () => {
            assert.ok(!deps("horizon").includes(urn("keystone")), deps("horizon").join(", "));
        });

        it("does not hold mariadb, rabbitmq or memcached back for keystone or horizon", () => {
            const later = [urn("keystone"), urn("horizon"), r.get(COMPONENT_TYPES.keystone, "keystone").urn];
            for (const backend of ["mariadb", "rabbitmq", "memcached"]) {
                for (const dep of deps(backend)) assert.ok(!later.includes(dep), `${backend} depends on ${dep}`);
            }
        });
    });

    describe(`releases (${name}): shared secrets reach both sides`, () => {
        let r: Run;
        before(async () => { r = await scenario(name); });
        const v = (chart: string, dotted: string) => get(r.values(chart), dotted);

        it("gives keystone and horizon mariadb's admin (root) account", () => {
            const root = v("mariadb", "endpoints.oslo_db.auth.admin");
            assert.ok(root?.password, "mariadb has no admin password");
            assert.deepStrictEqual(v("keystone", "endpoints.oslo_db.auth.admin"), root);
            assert.deepStrictEqual(v("horizon", "endpoints.oslo_db.auth.admin"), root);
        });

        it("gives keystone rabbitmq's admin user as its oslo_messaging admin", () => {
            const user = v("rabbitmq", "endpoints.oslo_messaging.auth.user");
            assert.ok(user?.username && user?.password, "rabbitmq has no admin user");
            const admin = v("keystone", "endpoints.oslo_messaging.auth.admin");
            assert.strictEqual(admin.username, user.username);
            assert.strictEqual(admin.password, user.password);
        });

        it("gives horizon and mariadb keystone's admin password", () => {
            const admin = v("keystone", "endpoints.identity.auth.admin.password");
            assert.ok(admin);
            assert.strictEqual(v("horizon", "endpoints.identity.auth.admin.password"), admin);
            assert.strictEqual(v("mariadb", "endpoints.identity.auth.admin.password"), admin);
        });

        it("points keystone at the rabbitmq StatefulSet by its release name and replica count", () => {
            assert.deepStrictEqual(v("keystone", "endpoints.oslo_messaging.statefulset"), {
                name: `${r.get(RELEASE, "rabbitmq").inputs.name}-rabbitmq`,
                replicas: v("rabbitmq", "pod.replicas.server"),
            });
            const configured = configOf(name)["taco:services"]?.rabbitmq?.replicas;
            if (configured !== undefined) assert.strictEqual(v("keystone", "endpoints.oslo_messaging.statefulset.replicas"), configured);
        });

        it("uses a value of its own for every other credential", () => {
            const pairs = [
                ["mariadb", "keystone", "horizon"].map((c) => `${c}:endpoints.oslo_db.auth.admin.password`),
                ["rabbitmq:endpoints.oslo_messaging.auth.user.password", "keystone:endpoints.oslo_messaging.auth.admin.password"],
                ["keystone", "horizon", "mariadb"].map((c) => `${c}:endpoints.identity.auth.admin.password`),
            ].map((group) => group.sort().join(" "));
            const where = new Map<unknown, string[]>();
            for (const release of openstackReleases(r)) {
                for (const leaf of leaves(release.inputs.values)) {
                    if (!isSecret(leaf.value)) continue;
                    where.set(leaf.value.value, [...(where.get(leaf.value.value) ?? []), `${release.name}:${leaf.path}`]);
                }
            }
            assert.ok(where.size >= 10, `only ${where.size} distinct secret values`);
            const shared = [...where.values()].filter((places) => places.length > 1).map((places) => places.sort().join(" "));
            assert.deepStrictEqual(shared.sort(), [...pairs].sort());
        });
    });

    describe(`releases (${name}): secrets stay secret`, () => {
        let r: Run;
        before(async () => { r = await scenario(name); });

        it("marks every password, erlang_cookie and horizon_secret_key in the Release inputs secret", () => {
            for (const release of openstackReleases(r)) {
                const secretLeaves = leaves(release.inputs).filter((leaf) => SECRET_LEAF.test(leaf.path));
                assert.ok(secretLeaves.length > 0, release.name);
                for (const leaf of secretLeaves) {
                    assert.ok(isSecret(leaf.value), `${release.name} ${leaf.path} is not secret`);
                    assert.strictEqual(typeof leaf.value.value, "string", `${release.name} ${leaf.path} is a secret of a non-leaf`);
                }
            }
        });

        it("marks nothing else secret (usernames, replicas, names stay readable)", () => {
            for (const release of openstackReleases(r)) {
                for (const leaf of leaves(release.inputs)) {
                    if (isSecret(leaf.value)) assert.ok(SECRET_LEAF.test(leaf.path), `${release.name} ${leaf.path} is secret`);
                }
            }
        });

        it("generates every secret with @pulumi/random, alphanumeric", () => {
            const generated = r.all("random:index/randomPassword:RandomPassword");
            for (const password of generated) {
                assert.strictEqual(password.inputs.special, false, `${password.name} may contain special characters`);
                assert.ok(Number(password.inputs.length) >= 16, `${password.name} is short`);
            }
            const standIns = new Set(generated.map((password) => `stand-in:${password.name}:result`));
            for (const release of openstackReleases(r)) {
                for (const leaf of leaves(release.inputs)) {
                    if (isSecret(leaf.value)) assert.ok(standIns.has(leaf.value.value as string), `${release.name} ${leaf.path} is not a generated password`);
                }
            }
        });

        it("exports adminCredentials as a secret holding keystone's admin", () => {
            const admin = r.outputs.adminCredentials;
            assert.ok(isSecret(admin), "adminCredentials is not secret");
            assert.deepStrictEqual(unwrap(admin), {
                username: get(r.values("keystone"), "endpoints.identity.auth.admin.username"),
                password: get(r.values("keystone"), "endpoints.identity.auth.admin.password"),
            });
        });

        it("shows no secret value anywhere outside a secret (outputs and every resource's inputs)", () => {
            const secrets = new Set<string>();
            for (const release of openstackReleases(r)) {
                for (const leaf of leaves(release.inputs)) if (isSecret(leaf.value)) secrets.add(String(leaf.value.value));
            }
            assert.ok(secrets.size > 0);
            const masked = (value: unknown) => JSON.stringify(unwrapMasked(value));
            const visible = [masked(r.outputs), ...r.resources.map((res) => masked(res.inputs))].join("\n");
            for (const secret of secrets) assert.ok(!visible.includes(secret), `${secret} appears outside a secret`);
            assert.ok(!visible.includes("stand-in:"), "a generated value appears outside a secret");
        });
    });

    describe(`releases (${name}): merged over the pinned charts' values.yaml`, () => {
        let r: Run;
        before(async () => { r = await scenario(name); });

        for (const chart of SERVICE_NAMES) {
            it(`leaves no "password" and no "openstack-cookie" in ${chart}`, function () {
                const merged = helmMerge(referenceValues(this, chart), r.values(chart));
                const left = allScalars(merged).filter((leaf) => leaf.value === "password" || leaf.value === "openstack-cookie");
                assert.deepStrictEqual(left.map((leaf) => `${leaf.path}: ${String(leaf.value)}`), []);
            });
        }

        it("replaces horizon's default secret key", function () {
            const reference = referenceValues(this, "horizon");
            const keyPath = "conf.horizon.local_settings.config.horizon_secret_key";
            const chartDefault = get(reference, keyPath);
            assert.ok(chartDefault, "the chart has no default secret key to replace");
            const merged = helmMerge(reference, r.values("horizon"));
            assert.ok(get(merged, keyPath), "the merge lost the secret key");
            assert.notStrictEqual(get(merged, keyPath), chartDefault);
        });
    });
}

/** Values with every secret replaced by a mask, to look for secrets where they should not be. */
function unwrapMasked(value: unknown): unknown {
    if (isSecret(value)) return "[secret]";
    if (Array.isArray(value)) return value.map(unwrapMasked);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapMasked(v)]));
    return value;
}

describe("releases: the pinned versions are the ones computed from the reference snapshot", () => {
    it("pins each chart to the 2026.1.<n>+<sha> SOURCE.md computes", function () {
        const source = fs.readFileSync(path.join(requireReference(this), "openstack-helm", "SOURCE.md"), "utf8").replace(/\s+/g, " ");
        const sha = /\(each `(\+[0-9a-f]+)`\)/.exec(source)?.[1];
        assert.ok(sha, "SOURCE.md gives no sha suffix");
        for (const chart of SERVICE_NAMES) {
            const n = new RegExp(`${chart} (2026\\.1\\.\\d+)[,) ]`).exec(source)?.[1];
            assert.ok(n, `SOURCE.md computes no version for ${chart}`);
            assert.strictEqual(PINNED_CHART_VERSIONS[chart], `${n}${sha}`, chart);
        }
    });
});

describe("releases: every values path set is one the pinned chart reads", () => {
    for (const name of ["default", "dev", "prod", "staging", "nodeport-cluster", "ingress+nodes", "clusterip+nodes"]) {
        it(`sets only known paths with ${name}`, async function () {
            const r = await scenario(name);
            for (const chart of SERVICE_NAMES) {
                const defaults = referenceValues(this, chart);
                const unknown = leafPaths(r.values(chart)).filter((dotted) => !pathAllowed(defaults, dotted, LOOKUPS));
                assert.deepStrictEqual(unknown, [], `${chart}: paths absent from its values.yaml`);
            }
        });
    }

    it("uses the helm-toolkit lookups only for keystone's public endpoint, and sets them when exposed", async () => {
        const r = await scenario("nodeport-cluster");
        const identity = r.values("keystone").endpoints.identity;
        assert.strictEqual(identity.host_fqdn_override.public, "api.cloud.example.com");
        assert.strictEqual(identity.port.api.public, 8443);
        assert.strictEqual(identity.scheme.public, "https");
    });
});

describe("releases: persistence", () => {
    it("gives prod's rabbitmq and mariadb the volume its stack file asks for", async () => {
        const prod = await scenario("prod");
        const services = configOf("prod")["taco:services"];
        for (const chart of ["rabbitmq", "mariadb"]) {
            const asked = services[chart].persistence;
            assert.ok(asked?.enabled, `Pulumi.prod.yaml does not switch ${chart}'s volume on`);
            const volume = prod.values(chart).volume;
            assert.strictEqual(volume.enabled, true, chart);
            assert.strictEqual(volume.size, asked.size, chart);
            assert.strictEqual(volume.class_name, asked.storageClass, chart);
            assert.strictEqual(prod.values(chart).pod.replicas.server, services[chart].replicas ?? 1, chart);
        }
    });

    it("keeps the default stack's rabbitmq and mariadb without a volume", async () => {
        const lab = await scenario("default");
        for (const chart of ["rabbitmq", "mariadb"]) assert.strictEqual(lab.values(chart).volume.enabled, false, chart);
    });
});

describe("releases: taco:services.<name>.values is merged last", () => {
    let r: Run;
    before(async () => { r = await scenario("overrides"); });

    it("overrides a key the program sets (the registry user)", () => {
        assert.strictEqual(r.values("keystone").endpoints.oci_image_registry.auth.keystone.username, "mirror-reader");
    });

    it("still sets the replicas from taco:services.keystone.replicas", () => {
        assert.strictEqual(r.values("keystone").pod.replicas.api, 2);
    });

    it("adds keys the program does not set", () => {
        assert.strictEqual(r.values("keystone").conf.keystone.DEFAULT.debug, true);
        assert.strictEqual(r.values("keystone").endpoints.identity.auth.admin.region_name, "RegionTwo");
    });

    it("merges rather than replaces: the program's keys beside the added one stay, secret", () => {
        const admin = (r.get(RELEASE, "keystone").inputs.values as any).endpoints.identity.auth.admin;
        assert.ok(isSecret(admin.password), "keystone's admin password is gone or no longer secret");
        assert.strictEqual(admin.username, get(r.values("horizon"), "endpoints.identity.auth.admin.username"));
    });

    it("touches no other release", async () => {
        const lab = await scenario("default");
        for (const chart of ["mariadb", "memcached", "horizon"]) {
            assert.deepStrictEqual(r.values(chart), lab.values(chart), chart);
        }
    });

    it("installs the per-service version, and the configured namespace, and reports both", () => {
        const asked = (CONFIGS.overrides["taco:services"] as any).keystone.version;
        const outputs = r.plainOutputs();
        assert.strictEqual(r.get(RELEASE, "keystone").inputs.version, asked);
        assert.strictEqual(outputs.releases.keystone.version, asked);
        for (const chart of SERVICE_NAMES) assert.strictEqual(r.get(RELEASE, chart).inputs.namespace, "cloud", chart);
        assert.strictEqual(outputs.namespace, "cloud");
        assert.strictEqual(outputs.releases.rabbitmq.namespace, "cloud");
        assert.strictEqual(r.values("keystone").endpoints.oslo_messaging.statefulset.replicas, 2);
    });
});

describe("releases: the Service keystone the catalog points at", () => {
    for (const name of ["default", "dev", "staging", "prod", "overrides"]) {
        it(`exists with ${name}: port 80 to the keystone API pods' ks-pub`, async () => {
            const r = await scenario(name);
            const service = r.get("kubernetes:core/v1:Service", "keystone").inputs as any;
            assert.strictEqual(service.metadata.name, "keystone");
            assert.strictEqual(service.metadata.namespace, configOf(name)["taco:namespace"] ?? "openstack");
            assert.ok(!service.spec.type || service.spec.type === "ClusterIP", service.spec.type);
            assert.deepStrictEqual(service.spec.selector, { application: "keystone", component: "api", release_group: "keystone" });
            assert.strictEqual(service.spec.ports.length, 1);
            assert.strictEqual(service.spec.ports[0].port, 80);
            assert.strictEqual(service.spec.ports[0].targetPort, "ks-pub");
        });
    }
});

describe("releases: stack outputs", () => {
    for (const name of ["default", "dev", "prod"]) {
        it(`reports namespace, exposure mode and releases with ${name}`, async () => {
            const r = await scenario(name);
            const outputs = r.plainOutputs();
            const config = configOf(name);
            assert.strictEqual(outputs.namespace, config["taco:namespace"] ?? "openstack");
            assert.strictEqual(outputs.exposureMode, config["taco:exposure"]?.mode ?? "clusterip");
            assert.deepStrictEqual(outputs.releases, Object.fromEntries(SERVICE_NAMES.map((chart) => [chart, {
                chart,
                version: config["taco:services"]?.[chart]?.version ?? PINNED_CHART_VERSIONS[chart],
                namespace: config["taco:namespace"] ?? "openstack",
            }])));
            for (const release of openstackReleases(r)) {
                assert.strictEqual(outputs.releases[release.name as string].version, release.inputs.version, release.name);
            }
        });
    }
});

describe("releases: control-plane node labels", () => {
    for (const name of ["clusterip+nodes", "dev"]) {
        describe(`with taco:nodes.controlPlane (${name})`, () => {
            let r: Run;
            before(async () => { r = await scenario(name); });
            const nodes = () => configOf(name)["taco:nodes"].controlPlane as string[];

            it("patches each listed node with the control-plane and the API-node label, in a patch each", () => {
                const patches = r.all("kubernetes:core/v1:NodePatch");
                const labelled = (label: { key: string; value: string }) => patches
                    .filter((patch) => (patch.inputs.metadata as any).labels[label.key] === label.value)
                    .map((patch) => (patch.inputs.metadata as any).name).sort();
                assert.deepStrictEqual(labelled(CONTROL_PLANE_LABEL), [...nodes()].sort());
                assert.deepStrictEqual(labelled(API_NODE_LABEL), [...nodes()].sort());
                assert.strictEqual(patches.length, 2 * nodes().length);
            });

            it("starts every Release after the node labels", () => {
                const patches = r.all("kubernetes:core/v1:NodePatch").map((patch) => patch.urn);
                assert.strictEqual(patches.length, 2 * nodes().length);
                for (const release of openstackReleases(r)) {
                    for (const patch of patches) assert.ok(release.dependencies.includes(patch), `${release.name} does not wait for ${patch}`);
                }
            });

            it("schedules keystone's API and horizon's dashboard on the API nodes", () => {
                assert.deepStrictEqual(r.values("keystone").labels.api,
                    { node_selector_key: API_NODE_LABEL.key, node_selector_value: API_NODE_LABEL.value });
                assert.deepStrictEqual(r.values("horizon").labels.dashboard,
                    { node_selector_key: API_NODE_LABEL.key, node_selector_value: API_NODE_LABEL.value });
            });

            it("uses the label the charts select control-plane pods by", function () {
                const keystone = referenceValues(this, "keystone");
                assert.deepStrictEqual(keystone.labels.api,
                    { node_selector_key: CONTROL_PLANE_LABEL.key, node_selector_value: CONTROL_PLANE_LABEL.value });
            });
        });
    }

    it("patches no node and leaves the charts' selectors alone without taco:nodes", async () => {
        const r = await scenario("default");
        assert.strictEqual(r.all("kubernetes:core/v1:NodePatch").length, 0);
        assert.strictEqual(r.values("keystone").labels, undefined);
        assert.strictEqual(r.values("horizon").labels, undefined);
    });
});

describe("releases: mariadb and rabbitmq are untouched by the exposure mode", () => {
    const modes = ["clusterip+nodes", "nodeport+nodes", "ingress+nodes", "hierarchical+nodes"];

    it("the four configs really differ in mode and reach keystone differently", async () => {
        const seen = new Set<string>();
        const keystoneValues = new Set<string>();
        for (const name of modes) {
            const r = await scenario(name);
            seen.add(r.plainOutputs().exposureMode);
            keystoneValues.add(JSON.stringify(r.values("keystone")));
        }
        assert.strictEqual(seen.size, 4);
        assert.ok(keystoneValues.size > 1, "keystone's values do not change with the mode either");
    });

    for (const chart of ["mariadb", "rabbitmq"]) {
        it(`registers the same ${chart} Release (URN, parent, name, chart, version, namespace, values) in every mode`, async () => {
            const shape = (r: Run) => {
                const release = r.get(RELEASE, chart);
                return { urn: release.urn, parent: release.parent, inputs: unwrap(release.inputs) };
            };
            const baseline = shape(await scenario(modes[0]));
            for (const name of modes.slice(1)) {
                assert.deepStrictEqual(shape(await scenario(name)), baseline, `${chart} differs between ${modes[0]} and ${name}`);
            }
        });
    }
});
