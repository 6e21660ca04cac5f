// Pulumi.yaml and the code agree: keys declared there are the code's, with the code's scalar type
// and no default of their own (defaults live in code, once); the structured keys are documented in
// its comments, with the defaults the code really has.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CONFIG_KEYS, DEFAULTS, parseConfig } from "../config";
import { SERVICE_NAMES } from "../lib/charts";

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
const SCALAR_TYPES: Record<string, (value: unknown) => boolean> = {
    string: (value) => typeof value === "string",
    integer: (value) => typeof value === "number" && Number.isInteger(value),
    boolean: (value) => typeof value === "boolean",
};

/** `name value` pairs (`rabbitmq 1`, `keystone: 30500`) in a documented list. */
function pairs(listText: string): Record<string, number> {
    return Object.fromEntries([...listText.matchAll(/([a-z]+):?\s+(\d+)/g)].map((m) => [m[1], Number(m[2])]));
}

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

    it("gives each declared key a scalar type the code reads it as", () => {
        for (const [declared, declaration] of declarations) {
            const key = tacoKey(declared)!;
            const type = declaration?.type;
            assert.ok(typeof type === "string" && type in SCALAR_TYPES, `${declared}: type ${String(type)} is not one of ${Object.keys(SCALAR_TYPES).join(", ")}`);
            const codeDefault = (DEFAULTS as Record<string, unknown>)[key];
            assert.ok(SCALAR_TYPES[type](codeDefault), `${declared}: declared ${type}, but the code's default is ${JSON.stringify(codeDefault)}`);
            // Pulumi hands a scalar over as its plain text; the code must take it as such.
            const parsed = parseConfig({ [`taco:${key}`]: String(codeDefault) }) as unknown as Record<string, unknown>;
            assert.deepStrictEqual(parsed[key], codeDefault, `${declared}: the code does not read the plain value back`);
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

    it("documents the default replicas the code uses, for every service", () => {
        const documented = /Default replicas:([^;.]*)/.exec(comments);
        assert.ok(documented, "Pulumi.yaml does not document the default replicas");
        const replicas = pairs(documented[1]);
        assert.deepStrictEqual(Object.keys(replicas).sort(), [...SERVICE_NAMES].sort());
        assert.deepStrictEqual(replicas, { ...DEFAULTS.replicas });
    });

    it("documents the default node ports, range and traffic policy the code uses", () => {
        const ports = /ports:\s*\{([^}]*)\}/.exec(comments);
        assert.ok(ports, "Pulumi.yaml does not document the default node ports");
        assert.deepStrictEqual(pairs(ports[1]), { ...DEFAULTS.nodePorts });
        assert.strictEqual(/range:\s*"([^"]*)"/.exec(comments)?.[1], DEFAULTS.nodePortRange);
        assert.strictEqual(/externalTrafficPolicy:[^(]*\(default (\w+)\)/.exec(comments)?.[1], DEFAULTS.externalTrafficPolicy);
    });

    it("documents the default exposure mode, chart repository, ingress classes and namespace the code uses", () => {
        assert.strictEqual(/mode:[^(]*\(default (\w+)\)/.exec(comments)?.[1], DEFAULTS.exposureMode);
        assert.strictEqual(/taco:charts.*?Default: (\S+)/.exec(comments)?.[1], DEFAULTS.chartRepository);
        assert.strictEqual(/controller:\s*([\w-]+)/.exec(comments)?.[1], DEFAULTS.ingressController);
        assert.strictEqual(/className:\s*([\w-]+)/.exec(comments)?.[1], DEFAULTS.ingressClassName);
        assert.strictEqual(/clusterClassName:\s*([\w-]+)/.exec(comments)?.[1], DEFAULTS.clusterIngressClassName);
        const namespace = project.config?.namespace ?? project.config?.["taco:namespace"];
        assert.strictEqual(/\(default ([\w-]+)\)/.exec(String(namespace?.description))?.[1], DEFAULTS.namespace);
    });
});
