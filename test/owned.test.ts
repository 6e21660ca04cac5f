// The owned-paths table (lib/ownedValues.ts) is complete and enforced: every values leaf the program
// sets, in every mode, lies at or below an owned path; raw values at, below or above any owned path
// are refused; and the plan writes config into its files only quoted.
import * as assert from "assert";
import { OWNED_PATHS, ownedConflict } from "../lib/ownedValues";
import { atPath, leafPaths } from "../lib/values";
import { commentLine, shellQuote } from "../scripts/plan";
import { LAB_NODES, run, Run } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CHARTS = ["rabbitmq", "memcached", "mariadb", "keystone", "horizon"] as const;

/** Leaves the program sets that are the operator's to change, and why. */
const NOT_OWNED: { path: RegExp; why: string }[] = [
    { path: /^endpoints\.oci_image_registry\.auth\.[a-z]+\.username$/, why: "the registry user is the operator's; only the placeholder password is generated" },
];

const MODES: Record<string, Record<string, unknown>> = {
    clusterip: { "taco:nodes": { controlPlane: LAB_NODES } },
    nodeport: {
        "taco:nodes": { controlPlane: LAB_NODES },
        "taco:exposure": { mode: "nodeport", nodePort: { publicEndpoint: { scheme: "https", host: "lb.example.com", port: 443 } } },
    },
    "ingress+tls": {
        "taco:nodes": { controlPlane: LAB_NODES },
        "taco:exposure": { mode: "ingress", ingress: { publicDomain: "cloud.example.com", tls: { selfSigned: true } } },
    },
    "hierarchical+volumes": {
        "taco:nodes": { controlPlane: LAB_NODES },
        "taco:services": { mariadb: { persistence: { enabled: true, size: "5Gi", storageClass: "fast" } } },
        "taco:exposure": { mode: "hierarchical", ingress: { publicDomain: "cloud.example.com", tls: { clusterIssuer: "le" } } },
    },
};

describe("owned values: the table covers every leaf the program sets", () => {
    const runs: Record<string, Run> = {};
    before(async () => {
        for (const [name, config] of Object.entries(MODES)) runs[name] = await run(config);
    });

    for (const name of Object.keys(MODES)) {
        it(`in ${name}: each release's program-set leaves are owned (or listed as the operator's)`, () => {
            for (const chart of CHARTS) {
                const values = runs[name].get(RELEASE, chart).inputs.values as Record<string, unknown>;
                for (const dotted of leafPaths(values)) {
                    if (NOT_OWNED.some((entry) => entry.path.test(dotted))) continue;
                    const owned = OWNED_PATHS.some((entry) => entry.charts.includes(chart)
                        && (dotted === entry.path || dotted.startsWith(`${entry.path}.`)));
                    assert.ok(owned, `${chart}: ${dotted} is set by the program but not in OWNED_PATHS`);
                }
            }
        });
    }
});

describe("owned values: raw values cannot undo an owned path", () => {
    it("refuses a value at each owned path, at a leaf below it, and a non-mapping at each ancestor", () => {
        for (const owned of OWNED_PATHS) {
            for (const chart of owned.charts) {
                assert.ok(ownedConflict(chart, atPath(owned.path, "x")), `${chart}: ${owned.path} itself`);
                assert.ok(ownedConflict(chart, atPath(`${owned.path}.below`, 1)), `${chart}: below ${owned.path}`);
                const parts = owned.path.split(".");
                for (let i = 1; i < parts.length; i++) {
                    for (const wipe of [null, "", [], 0]) {
                        const conflict = ownedConflict(chart, atPath(parts.slice(0, i).join("."), wipe));
                        assert.ok(conflict, `${chart}: ${parts.slice(0, i).join(".")}: ${JSON.stringify(wipe)} above ${owned.path}`);
                    }
                }
            }
        }
    });

    it("lets raw values beside the owned paths through (region name, the chart's own settings)", () => {
        assert.strictEqual(ownedConflict("keystone", { endpoints: { identity: { auth: { admin: { region_name: "RegionTwo" } } } } }), undefined);
        assert.strictEqual(ownedConflict("keystone", { conf: { keystone: { DEFAULT: { debug: true } } }, pod: { resources: { enabled: true } } }), undefined);
        assert.strictEqual(ownedConflict("mariadb", { endpoints: {}, pod: {} }), undefined);
    });

    it("names the key to use instead", () => {
        assert.match(ownedConflict("keystone", { pod: { replicas: { api: 9 } } })!.instead, /taco:services\.keystone\.replicas/);
        assert.match(ownedConflict("horizon", { endpoints: { identity: { auth: { admin: { password: "x" } } } } })!.instead, /taco:credentials\.keystoneAdmin/);
    });
});

describe("the offline plan quotes what it writes", () => {
    it("shell-quotes each word of the helm command line", () => {
        assert.strictEqual(shellQuote("https://charts.example.com/a"), "https://charts.example.com/a");
        assert.strictEqual(shellQuote("a b"), "'a b'");
        assert.strictEqual(shellQuote("it's;rm -rf /"), "'it'\\''s;rm -rf /'");
        assert.strictEqual(commentLine(["helm", "template", "$(id)"]), "# helm template '$(id)'\n");
    });

    it("never lets a word end the comment line", () => {
        for (const word of ["a\nb: c", "a\rb", "a\u2028b"]) assert.throws(() => commentLine(["helm", word]), /control character/);
    });
});
