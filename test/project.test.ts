// Pulumi.yaml and the schema agree: the keys declared there are the schema's scalar keys, with the
// schema's type and no default of their own (defaults live in the schema, once); the structured keys
// are named in its comments (README's table and schema/stack.schema.json document them, generated).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { CONFIG_KEYS, DEFAULTS, parseConfig } from "../config";
import { DEFAULT_TEXT, SCALAR_KEYS, STACK_SCHEMA } from "../config/schema";

const PROJECT_FILE = path.resolve(__dirname, "..", "Pulumi.yaml");
const text = fs.readFileSync(PROJECT_FILE, "utf8");
const project = YAML.parse(text) as { name: string; runtime: unknown; config?: Record<string, Record<string, unknown>> };
/** Every comment in the file, `#` and indentation removed, lines joined by single spaces. */
const comments = text.split("\n").map((line) => /^\s*#(.*)$/.exec(line)?.[1] ?? "").filter(Boolean)
    .map((line) => line.trim()).join(" ");

/** `taco:namespace` or `namespace` (project-local) → `namespace`; other projects' keys → undefined. */
function tacoKey(declared: string): string | undefined {
    if (!declared.includes(":")) return declared;
    return declared.startsWith(`${project.name}:`) ? declared.slice(project.name.length + 1) : undefined;
}

const declarations = Object.entries(project.config ?? {});
describe("project: Pulumi.yaml agrees with the code", () => {
    it("is the taco project on the nodejs runtime with TypeScript", () => {
        assert.strictEqual(project.name, "taco");
        assert.deepStrictEqual(project.runtime, { name: "nodejs", options: { typescript: true } });
    });

    it("declares only keys the code reads", () => {
        for (const [declared] of declarations) {
            const key = tacoKey(declared);
            assert.ok(key !== undefined, `${declared} is not a taco key`);
            assert.ok((CONFIG_KEYS as readonly string[]).includes(key), `Pulumi.yaml declares ${declared}, which the code does not know`);
        }
    });

    it("declares no defaults: every default is defined once, in code", () => {
        for (const [declared, declaration] of declarations) {
            assert.ok(!declaration || !("default" in declaration), `${declared} has a default in Pulumi.yaml`);
        }
    });

    it("declares exactly the scalar keys, each with the JSON type the schema gives it, and the code reads the plain text back", () => {
        const declared = declarations.map(([key]) => tacoKey(key)!).sort();
        assert.deepStrictEqual(declared, [...SCALAR_KEYS].sort());
        const samples: Record<string, [string, unknown]> = { string: ["openstack", "openstack"], boolean: ["false", false] };
        for (const [declared, declaration] of declarations) {
            const key = tacoKey(declared)! as keyof typeof STACK_SCHEMA;
            const schemaType = (toJsonSchema(STACK_SCHEMA[key], { typeMode: "input" }) as { type?: string }).type;
            assert.strictEqual(declaration?.type, schemaType, `${declared}: declared ${String(declaration?.type)}, the schema says ${schemaType}`);
            // Pulumi hands a scalar over as its plain text; the code must take it as such.
            const [text, value] = samples[schemaType!];
            const parsed = parseConfig({ [`taco:${key}`]: text }, undefined, { stack: "dev" }) as unknown as Record<string, unknown>;
            assert.deepStrictEqual(parsed[key], value, `${declared}: the code does not read the plain value back`);
        }
    });

    it("documents every undeclared (structured) key in its comments as taco:<key>", () => {
        const declared = new Set(declarations.map(([key]) => tacoKey(key)));
        const undeclared = CONFIG_KEYS.filter((key) => !declared.has(key));
        assert.ok(undeclared.length > 0, "expected the structured keys to be documented rather than declared");
        for (const key of undeclared) {
            assert.ok(new RegExp(`taco:${key}\\b`).test(comments), `taco:${key} is neither declared nor documented in Pulumi.yaml`);
        }
    });

    it("states each declared key's default as the schema does", () => {
        for (const [declared, declaration] of declarations) {
            const key = tacoKey(declared)! as keyof typeof STACK_SCHEMA;
            const defaultText = (v.getMetadata(STACK_SCHEMA[key]) as Record<string, unknown>)[DEFAULT_TEXT];
            assert.ok(typeof defaultText === "string", `${declared}: the schema states no default`);
            assert.ok(String(declaration?.description).includes(`(default ${defaultText})`),
                `${declared}: the description does not say "(default ${defaultText})": ${declaration?.description}`);
        }
        assert.strictEqual((v.getMetadata(STACK_SCHEMA.namespace) as Record<string, unknown>)[DEFAULT_TEXT], DEFAULTS.namespace);
    });
});
