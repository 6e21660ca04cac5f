// Secret config stays secret: site secrets live in taco:secrets and reach the charts only as secret
// Outputs, a secret stored under another key is refused, the harness passes secret keys as
// `pulumi preview` does, and taco:protect guards the stateful releases and the generated secrets.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_DIR, RecordedResource, revealOrMask } from "../tools/mockRuntime";
import { readStack } from "../tools/stackConfig";
import { failure, isSecret, registeredByLastRun, run, Run, runStackFile } from "./support";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const LDAP_PATH = "conf.ks_domains.ldap.ldap.password";
const LDAP_BIND = "ldap-Bind-0d1e2f";
const ADMIN = "Chosen-Admin-Pw-42";

/** Everything the run sent the engine, secret leaves masked: what state and the console would show in clear. */
function inClear(r: Run): string {
    const masked = (value: unknown) => revealOrMask(value, () => "[secret]");
    return JSON.stringify({ resources: r.resources.map((res) => masked(res.inputs)), outputs: masked(r.outputs) });
}

function leaf(values: unknown, dotted: string): unknown {
    return dotted.split(".").reduce<any>((node, key) => (node === undefined || node === null ? undefined : node[key]), values);
}

describe("secrets: taco:secrets reaches the charts only as secret Outputs", () => {
    let r: Run;
    before(async () => {
        r = await run({
            "taco:secrets": { "ldap-bind": LDAP_BIND, "admin-password": ADMIN },
            "taco:credentials": { keystoneAdmin: "admin-password" },
            "taco:services": { keystone: { secretValues: { [LDAP_PATH]: "ldap-bind" } } },
        }, { secretKeys: ["taco:secrets"] });
    });

    it("places a named secret at the values path taco:services.<svc>.secretValues gives, as a secret", () => {
        const value = leaf(r.get(RELEASE, "keystone").inputs.values, LDAP_PATH);
        assert.ok(isSecret(value), `not secret: ${JSON.stringify(value)}`);
        assert.strictEqual(value.value, LDAP_BIND);
    });

    it("uses an operator-chosen keystone admin password wherever the generated one went, and generates none", () => {
        for (const chart of ["keystone", "horizon", "mariadb"]) {
            const value = leaf(r.get(RELEASE, chart).inputs.values, "endpoints.identity.auth.admin.password");
            assert.ok(isSecret(value) && value.value === ADMIN, `${chart}: ${JSON.stringify(value)}`);
        }
        assert.strictEqual(r.find(PASSWORD, "keystone-admin"), undefined);
        assert.ok(isSecret(r.outputs.adminCredentials));
    });

    it("shows neither secret anywhere in clear", () => {
        const clear = inClear(r);
        assert.ok(!clear.includes(LDAP_BIND) && !clear.includes(ADMIN));
    });
});

describe("secrets: a secret stored under another key never reaches state", () => {
    it("refuses a --secret key other than taco:secrets, without showing its value", async () => {
        const message = await failure(() => run({
            "taco:services": { keystone: { values: { conf: { ks_domains: { ldap: { ldap: { password: LDAP_BIND } } } } } } },
        }, { secretKeys: ["taco:services"] }));
        assert.match(message, /^taco:services: got \[secret\]; .*taco:secrets/);
        assert.ok(!message.includes(LDAP_BIND));
        assert.deepStrictEqual(await registeredByLastRun(), []);
    });

    it("reads secrecy the way a real run does (runtime.isConfigSecret over PULUMI_CONFIG_SECRET_KEYS)", () => {
        const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
        assert.strictEqual(typeof runtime.isConfigSecret, "function", "the SDK no longer offers isConfigSecret: config/index.ts loadConfig must change");
        pulumi.runtime.setAllConfig({ "taco:secrets": "{}", "taco:namespace": "x" }, ["taco:secrets"]);
        assert.strictEqual(runtime.isConfigSecret!("taco:secrets"), true);
        assert.strictEqual(runtime.isConfigSecret!("taco:namespace"), false);
    });
});

describe("secrets: stack files' { secure: <ciphertext> } values", () => {
    const stack = `securetest${process.pid}`;
    const file = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
    afterEach(() => fs.rmSync(file, { force: true }));

    it("become secret keys with stand-in values, which the program accepts and keeps secret", async () => {
        fs.writeFileSync(file, [
            "config:",
            "  taco:secrets:",
            "    ldap-bind: { secure: v1:AAAABBBBCCCC }",
            "  taco:services:",
            "    keystone:",
            `      secretValues: { ${LDAP_PATH}: ldap-bind }`,
            "",
        ].join("\n"));
        const { secretKeys, config } = readStack(stack);
        assert.deepStrictEqual(secretKeys, ["taco:secrets"]);
        assert.ok(!config["taco:secrets"].includes("v1:AAAABBBBCCCC"), "the ciphertext was passed as the value");
        const r = await runStackFile(stack);
        assert.ok(isSecret(leaf(r.get(RELEASE, "keystone").inputs.values, LDAP_PATH)));
        assert.ok(!inClear(r).includes("stand-in-secure"), "the stand-in shows in clear");
    });

    it("refuse a secure leaf under any other key", async () => {
        fs.writeFileSync(file, [
            "config:",
            "  taco:services:",
            "    keystone:",
            "      values: { conf: { ks_domains: { ldap: { ldap: { password: { secure: v1:AAAABBBBCCCC } } } } } }",
            "",
        ].join("\n"));
        const message = await failure(() => runStackFile(stack));
        assert.match(message, /^taco:services: got \[secret\];.*taco:secrets/);
    });
});

describe("protect: taco:protect guards what a slip would destroy", () => {
    const protectedNames = (r: Run) => r.resources.filter((res: RecordedResource) => res.protect).map((res) => `${res.type}::${res.name}`).sort();
    const expected = (r: Run) => [
        `${RELEASE}::mariadb`, `${RELEASE}::rabbitmq`,
        ...r.all(PASSWORD).map((res) => `${res.type}::${res.name}`),
    ].sort();

    it("is on by default for a stack not named dev: the mariadb and rabbitmq releases and every generated secret", async () => {
        const r = await run({}, { stack: "staging" });
        assert.ok(r.all(PASSWORD).length >= 14);
        assert.deepStrictEqual(protectedNames(r), expected(r));
    });

    it("is off by default on stack dev, and taco:protect overrides either way", async () => {
        assert.deepStrictEqual(protectedNames(await run({}, { stack: "dev" })), []);
        assert.deepStrictEqual(protectedNames(await run({ "taco:protect": "false" }, { stack: "prod" })), []);
        const forced = await run({ "taco:protect": "true" }, { stack: "dev" });
        assert.deepStrictEqual(protectedNames(forced), expected(forced));
    });
});
