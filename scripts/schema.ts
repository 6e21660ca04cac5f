// What follows from the config schema (config/schema.ts) besides validation: the JSON Schema editors
// validate Pulumi.<stack>.yaml with (schema/stack.schema.json, named by each stack file's
// yaml-language-server modeline) and README's config table. test/schema-files.test.ts fails when
// either is stale.
//   npm run schema        (rewrites both)
import * as fs from "fs";
import * as path from "path";
import { toJsonSchema } from "@valibot/to-json-schema";
import { DEFAULT_TEXT, STACK_SCHEMA } from "../config/schema";

export const PROJECT_DIR = path.resolve(__dirname, "..");
export const JSON_SCHEMA_FILE = path.join(PROJECT_DIR, "schema", "stack.schema.json");
export const README_FILE = path.join(PROJECT_DIR, "README.md");
export const TABLE_BEGIN = "<!-- config-table:begin (npm run schema) -->";
export const TABLE_END = "<!-- config-table:end -->";

type Json = Record<string, any>;

/** One key's JSON Schema (input side: what a stack file may hold), with README's defaults still in. */
function keySchema(key: keyof typeof STACK_SCHEMA): Json {
    const { $schema, ...schema } = toJsonSchema(STACK_SCHEMA[key], {
        target: "draft-2020-12",
        typeMode: "input",
        // The address checks are left out: their metadata carries their JSON Schema (`format`, `pattern`).
        ignoreActions: ["check"],
        // A literal's type beside its `const`, for editors that show the type.
        overrideSchema: ({ valibotSchema, jsonSchema }) => valibotSchema.type === "literal"
            ? { type: typeof (valibotSchema as { literal?: unknown }).literal as "string" | "number" | "boolean", ...jsonSchema } : undefined,
    }) as Json;
    void $schema;
    return schema;
}

const SECURE = { $ref: "#/$defs/secure" };

/**
 * Every node may instead be `{ secure: <ciphertext> }`: `pulumi config set --secret` writes that at
 * the leaf it sets (or for a whole key). The README default moves into the description.
 */
function forStackFile(node: unknown, wrap = true): unknown {
    if (Array.isArray(node)) return node.map((item) => forStackFile(item, wrap));
    if (node === null || typeof node !== "object") return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node as Json)) {
        // An empty `required` says nothing.
        if (k === DEFAULT_TEXT || (k === "required" && Array.isArray(v) && v.length === 0)) continue;
        // The branches of an anyOf/oneOf are covered by the wrapper around it; property names are not values.
        out[k] = ["properties", "$defs", "patternProperties"].includes(k)
            ? Object.fromEntries(Object.entries(v as Json).map(([name, inner]) => [name, forStackFile(inner)]))
            : forStackFile(v, !["anyOf", "oneOf", "propertyNames"].includes(k));
    }
    const defaultText = (node as Json)[DEFAULT_TEXT];
    if (defaultText !== undefined) out.description = `${out.description ?? ""} Default: ${defaultText}.`.trim();
    const isSchema = "type" in out || "anyOf" in out || "oneOf" in out || "const" in out || "enum" in out || "$ref" in out;
    return isSchema && wrap ? { anyOf: [out, SECURE] } : out;
}

export function stackFileSchema(): Json {
    const keys = Object.keys(STACK_SCHEMA) as (keyof typeof STACK_SCHEMA)[];
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        $id: "https://taco-exposure.invalid/schema/stack.schema.json",
        title: "Pulumi.<stack>.yaml of project taco (generated from config/schema.ts by npm run schema)",
        type: "object",
        $defs: {
            secure: {
                description: "A value `pulumi config set --secret` encrypted.",
                type: "object", properties: { secure: { type: "string" } }, required: ["secure"], additionalProperties: false,
            },
        },
        properties: {
            config: {
                type: "object",
                properties: Object.fromEntries(keys.map((key) => [`taco:${key}`, forStackFile(keySchema(key))])),
                // Other projects' and providers' keys (kubernetes:context) are theirs; unknown taco: keys are refused.
                propertyNames: { anyOf: [{ enum: keys.map((key) => `taco:${key}`) }, { not: { pattern: "^taco:" } }] },
            },
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
            encryptionsalt: { type: "string" },
            environment: {},
        },
        additionalProperties: false,
    };
}

interface Row { key: string; meaning: string; defaultText: string }

/** Rows for every documented node, services folded into `<svc>` (their defaults listed per service). */
function rows(): Row[] {
    const found: Row[] = [];
    const visit = (node: unknown, key: string) => {
        if (node === null || typeof node !== "object") return;
        const json = node as Json;
        if (typeof json.description === "string" && !found.some((row) => row.key === key)) {
            found.push({ key, meaning: json.description, defaultText: json[DEFAULT_TEXT] ?? "—" });
        }
        for (const [name, inner] of Object.entries<Json>(json.properties ?? {})) visit(inner, `${key}.${name}`);
        for (const branch of [...(json.anyOf ?? []), ...(json.oneOf ?? [])]) visit(branch, key);
    };
    for (const key of Object.keys(STACK_SCHEMA) as (keyof typeof STACK_SCHEMA)[]) visit(keySchema(key), `taco:${key}`);

    const folded = new Map<string, { row: Row; defaults: string[]; services: string[] }>();
    for (const row of found) {
        const match = /^taco:services\.([a-z]+)\.(.*)$/.exec(row.key);
        const key = match ? `taco:services.<svc>.${match[2]}` : row.key;
        const entry = folded.get(key) ?? { row: { ...row, key }, defaults: [], services: [] };
        if (match) { entry.defaults.push(`${match[1]} ${row.defaultText}`); entry.services.push(match[1]); }
        folded.set(key, entry);
    }
    return [...folded.values()].map(({ row, defaults, services }) => {
        if (services.length === 0) return row;
        const same = new Set(defaults.map((d) => d.split(" ").slice(1).join(" "))).size === 1;
        const key = services.length < 5 ? row.key.replace("<svc>", `<${services.join("|")}>`) : row.key;
        return { ...row, key, defaultText: same ? row.defaultText : defaults.join(", ") };
    });
}

export function configTable(): string {
    const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
    return [
        "| key | meaning | default |",
        "|---|---|---|",
        ...rows().map((row) => `| ${cell(`\`${row.key}\``)} | ${cell(row.meaning)} | ${cell(row.defaultText)} |`),
    ].join("\n");
}

export function readmeWithTable(readme: string): string {
    const begin = readme.indexOf(TABLE_BEGIN);
    const end = readme.indexOf(TABLE_END);
    if (begin < 0 || end < begin) throw new Error(`README.md has no ${TABLE_BEGIN} … ${TABLE_END} markers`);
    return `${readme.slice(0, begin + TABLE_BEGIN.length)}\n${configTable()}\n${readme.slice(end)}`;
}

export function jsonSchemaText(): string {
    return `${JSON.stringify(stackFileSchema(), null, 2)}\n`;
}

if (require.main === module) {
    fs.mkdirSync(path.dirname(JSON_SCHEMA_FILE), { recursive: true });
    fs.writeFileSync(JSON_SCHEMA_FILE, jsonSchemaText());
    fs.writeFileSync(README_FILE, readmeWithTable(fs.readFileSync(README_FILE, "utf8")));
    console.log(`wrote ${path.relative(process.cwd(), JSON_SCHEMA_FILE)} and the config table of ${path.relative(process.cwd(), README_FILE)}`);
}
