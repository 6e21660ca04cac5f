// What the config schema generates stays in step with it: README's config table and the JSON Schema
// editors check stack files with. The JSON Schema accepts every stack file here and Pulumi's
// `{ secure: <ciphertext> }` at any leaf, and refuses what the program refuses by shape.
import * as assert from "assert";
import Ajv2020 from "ajv/dist/2020";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { JSON_SCHEMA_FILE, jsonSchemaText, README_FILE, readmeWithTable } from "../scripts/schema";

const PROJECT = path.resolve(__dirname, "..");
const STACK_FILES = fs.readdirSync(PROJECT).filter((file) => /^Pulumi\.[^.]+\.yaml$/.test(file));

describe("schema: generated files are current", () => {
    it("schema/stack.schema.json is what npm run schema writes", () => {
        assert.strictEqual(fs.readFileSync(JSON_SCHEMA_FILE, "utf8"), jsonSchemaText(), "stale: run npm run schema");
    });

    it("README's config table is what npm run schema writes", () => {
        const readme = fs.readFileSync(README_FILE, "utf8");
        assert.strictEqual(readme, readmeWithTable(readme), "stale: run npm run schema");
    });

    it("every stack file names the JSON Schema in a yaml-language-server modeline", () => {
        assert.ok(STACK_FILES.length >= 3, STACK_FILES.join(", "));
        for (const file of STACK_FILES) {
            const first = fs.readFileSync(path.join(PROJECT, file), "utf8").split("\n")[0];
            assert.strictEqual(first, "# yaml-language-server: $schema=./schema/stack.schema.json", file);
        }
    });
});

describe("schema: the JSON Schema checks stack files as an editor would", () => {
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, logger: false });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(JSON_SCHEMA_FILE, "utf8")));
    const accepts = (doc: unknown) => {
        const ok = validate(doc);
        return { ok, errors: ajv.errorsText(validate.errors) };
    };

    for (const file of STACK_FILES) {
        it(`accepts ${file}`, () => {
            const result = accepts(YAML.parse(fs.readFileSync(path.join(PROJECT, file), "utf8")));
            assert.ok(result.ok, result.errors);
        });
    }

    it("accepts { secure: <ciphertext> } at a leaf, for a whole key, and inside taco:secrets", () => {
        const secure = { secure: "v1:abcdef==" };
        const result = accepts({
            config: {
                "taco:namespace": secure,
                "taco:secrets": { "ldap-bind": secure, registry: secure },
                "taco:services": { keystone: { values: { conf: { x: 1 } }, secretValues: { "conf.ks_domains.ldap.ldap.password": "ldap-bind" } } },
                "taco:exposure": { mode: "ingress", ingress: { publicDomain: secure } },
                "taco:credentials": secure,
            },
        });
        assert.ok(result.ok, result.errors);
    });

    it("accepts other projects' keys and refuses an unknown taco: key", () => {
        assert.ok(accepts({ config: { "kubernetes:context": "lab" } }).ok);
        assert.ok(!accepts({ config: { "taco:foo": "bar" } }).ok);
    });

    const bad: [string, Record<string, unknown>][] = [
        ["an unknown exposure mode", { "taco:exposure": { mode: "loadbalancer" } }],
        ["replicas past the bound", { "taco:services": { keystone: { replicas: 10000 } } }],
        ["a VIP mode key that does not belong to the mode", { "taco:exposure": { vip: { mode: "l2", address: "10.0.0.1", bgp: {} } } }],
        ["an ASN out of range", { "taco:exposure": { vip: { mode: "routed", address: "10.0.0.1", bgp: { myASN: 0, peers: [{ address: "10.0.0.2", asn: 65000 }] } } } }],
        ["a secure value that is not a string", { "taco:secrets": { ldap: { secure: 3 } } }],
        ["a toleration effect outside the allowed set", { "taco:nodes": { tolerations: [{ key: "a", effect: "Sometimes" }] } }],
    ];
    for (const [what, config] of bad) {
        it(`refuses ${what}`, () => assert.ok(!accepts({ config }).ok));
    }
});
