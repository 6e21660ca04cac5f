// Property: whatever the stack config (valid, invalid, structured or adversarial), the program either
// registers the complete topology or fails with one ConfigError before registering anything. Never a
// TypeError, never a partial registration, never a generated or configured secret outside a secret
// Output. numRuns is kept small (each run is a full program run, about half a second here);
// PROPERTY_RUNS=500 explores further. fast-check prints the seed to replay a failure.
import * as assert from "assert";
import fc from "fast-check";
import { ConfigError } from "../config";
import { revealOrMask } from "../tools/mockRuntime";
import { LAB_NODES, registeredByLastRun, run, Run, StackValues } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CHARTS = ["rabbitmq", "memcached", "mariadb", "keystone", "horizon"];
/** Every configured secret carries this, so a leak is found by searching for it. */
const MARK = "Sekret";

const secretValue = fc.stringMatching(/^[A-Za-z0-9]{8,20}$/).map((s) => `${MARK}${s}`);
const junk = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string(), fc.constant(null));

const VALID_EXPOSURES = [
    {},
    { mode: "nodeport", nodePort: { publicEndpoint: { host: "lb.example.com", port: 443, scheme: "https" } } },
    { mode: "nodeport", nodePort: { externalTrafficPolicy: "Cluster", publicEndpoint: { host: "10.0.0.10" } } },
    { mode: "ingress", ingress: { publicDomain: "cloud.example.com", tls: { selfSigned: true } } },
    { mode: "hierarchical", ingress: { publicDomain: "cloud.example.com", tls: { clusterIssuer: "le" } } },
    { mode: "ingress", vip: { mode: "l2", address: "10.10.10.254" } },
    { mode: "ingress", vip: { mode: "interface", address: "fd00::254", interface: "eth0", tolerationSeconds: 10 } },
    {
        mode: "hierarchical",
        vip: { mode: "routed", address: "10.10.10.254", bgp: { myASN: 64512, peers: [{ address: "10.10.10.1", asn: 64513 }], bfd: { receiveInterval: 100 } } },
    },
];

/** Configs the program accepts: every key drawn from values it must take. */
const valid = fc.record({
    "taco:namespace": fc.constantFrom("openstack", "cloud"),
    "taco:nodes": fc.constantFrom({ controlPlane: LAB_NODES }, { controlPlane: ["ctrl-1"], tolerations: [{ key: "dedicated", operator: "Exists", effect: "NoSchedule" }] }),
    "taco:services": fc.record({
        rabbitmq: fc.record({ replicas: fc.integer({ min: 1, max: 5 }), persistence: fc.constant({ enabled: true, size: "2Gi" }) }, { requiredKeys: [] }),
        mariadb: fc.record({ values: fc.constant({ conf: { database: { my: "x" } } }) }, { requiredKeys: [] }),
        keystone: fc.record({
            version: fc.constant("2026.1.30+abcdef012"),
            secretValues: fc.constant({ "conf.ks_domains.ldap.ldap.password": "ldap-bind" }),
        }, { requiredKeys: [] }),
    }, { requiredKeys: [] }),
    "taco:exposure": fc.constantFrom(...VALID_EXPOSURES),
    "taco:secrets": fc.record({ "ldap-bind": secretValue, "admin-pw": secretValue }),
    "taco:credentials": fc.record({ keystoneAdmin: fc.constant("admin-pw"), registry: fc.constant("admin-pw") }, { requiredKeys: [] }),
    "taco:protect": fc.constantFrom("true", "false"),
}, { requiredKeys: ["taco:nodes", "taco:secrets"] });

/** A valid config with one place replaced by something else (junk, an owned path, a wiped ancestor). */
const mutated = fc.tuple(
    valid,
    fc.constantFrom("taco:namespace", "taco:nodes", "taco:services", "taco:exposure", "taco:secrets", "taco:credentials", "taco:charts", "taco:protect"),
    fc.array(fc.constantFrom("keystone", "horizon", "mode", "vip", "bgp", "values", "replicas", "controlPlane", "tolerations", "address", "endpoints", "pod", "ingress"), { maxLength: 4 }),
    fc.oneof(junk, fc.constantFrom(null, 0, -1, "", [], {}, "kube-system", "10.0.0.0/24", { endpoints: null }, { pod: null }, "a\nb", 1e9)),
).map(([config, key, path, value]) => {
    const copy = JSON.parse(JSON.stringify(config)) as StackValues;
    if (path.length === 0) {
        copy[key] = value;
        return copy;
    }
    if (copy[key] === null || typeof copy[key] !== "object") copy[key] = {};
    let node = copy[key] as Record<string, unknown>;
    for (const part of path.slice(0, -1)) {
        if (node[part] === null || typeof node[part] !== "object") node[part] = {};
        node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
    return copy;
});

/** Anything at all under the program's keys (and one it does not know). */
const adversarial = fc.dictionary(
    fc.constantFrom("taco:namespace", "taco:services", "taco:exposure", "taco:nodes", "taco:secrets", "taco:credentials", "taco:protect", "taco:zzz"),
    fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.string()),
    { maxKeys: 3 },
);

function secretsOf(config: StackValues): string[] {
    const secrets = config["taco:secrets"];
    return secrets && typeof secrets === "object" ? Object.values(secrets).filter((v): v is string => typeof v === "string" && v.startsWith(MARK)) : [];
}

describe("property: a complete topology or one ConfigError before anything is registered", () => {
    it("holds for generated configs", async function () {
        this.timeout(300_000);
        await fc.assert(fc.asyncProperty(fc.oneof({ arbitrary: valid, weight: 2 }, { arbitrary: mutated, weight: 2 }, { arbitrary: adversarial, weight: 1 }), async (config) => {
            const configured = secretsOf(config);
            let r: Run;
            try {
                r = await run(config as StackValues);
            } catch (error) {
                assert.ok(error instanceof ConfigError, `not a ConfigError: ${(error as Error)?.stack ?? String(error)}`);
                assert.match(error.message, /^taco:.+?: got .*; ./s);
                assert.deepStrictEqual(await registeredByLastRun(), [], `registered before: ${error.message}`);
                for (const secret of configured) assert.ok(!error.message.includes(secret), `the message shows a secret: ${error.message}`);
                if (process.env.PROPERTY_DEBUG) console.log("refused:", error.message.slice(0, 100));
                return;
            }
            if (process.env.PROPERTY_DEBUG) console.log("registered", r.resources.length);
            for (const chart of CHARTS) assert.ok(r.find(RELEASE, chart), `no ${chart} release`);
            assert.ok(r.find("taco:secrets:Credentials", "credentials"));
            assert.ok(r.find("kubernetes:core/v1:Service", "keystone"));
            const clear = JSON.stringify({ inputs: r.resources.map((res) => revealOrMask(res.inputs, () => "[secret]")), outputs: revealOrMask(r.outputs, () => "[secret]") });
            assert.ok(!clear.includes("stand-in:"), "a generated secret shows in clear");
            for (const secret of configured) assert.ok(!clear.includes(secret), "a configured secret shows in clear");
        }), { numRuns: Number(process.env.PROPERTY_RUNS ?? 15) });
    });
});
