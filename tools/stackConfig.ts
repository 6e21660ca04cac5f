// Stack config as `pulumi` would hand it to the program: Pulumi.yaml's declared defaults, then
// Pulumi.<stack>.yaml, as full keys with structured values as JSON text, and which keys are secret.
// A `{ secure: <ciphertext> }` leaf cannot be decrypted here: it becomes a stand-in string, and its
// top-level key a secret key, as Pulumi marks a key secret when any leaf of it is.
import * as fs from "fs";
import { isIP } from "net";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR } from "./mockRuntime";

export function stackFile(stack: string, projectDir = PROJECT_DIR): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

export interface StackConfig {
    config: Record<string, string>;
    secretKeys: string[];
}

export function readStackConfig(stack: string, projectDir = PROJECT_DIR): Record<string, string> {
    return readStack(stack, projectDir).config;
}

export function readStack(stack: string, projectDir = PROJECT_DIR): StackConfig {
    const project = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    const file = stackFile(stack, projectDir);
    if (!fs.existsSync(file)) throw new Error(`no stack file ${path.relative(process.cwd(), file)}`);
    const stackValues: Record<string, unknown> = YAML.parse(fs.readFileSync(file, "utf8"))?.config ?? {};
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const put = (key: string, value: unknown) => {
        const plain = withStandIns(value, key);
        if (plain.secure) secretKeys.add(key);
        config[key] = typeof plain.value === "string" ? plain.value : JSON.stringify(plain.value);
    };
    for (const [key, declaration] of Object.entries<Record<string, unknown>>(project.config ?? {})) {
        if (declaration && "default" in declaration) put(key.includes(":") ? key : `${project.name}:${key}`, declaration.default);
    }
    for (const [key, value] of Object.entries(stackValues)) put(key, value);
    return { config, secretKeys: [...secretKeys] };
}

/** The value with every `{ secure: <ciphertext> }` replaced by a stand-in, and whether there was one. */
function withStandIns(value: unknown, at: string): { value: unknown; secure: boolean } {
    if (isSecure(value)) return { value: `stand-in-secure-${at.replace(/[^A-Za-z0-9]+/g, "-")}`, secure: true };
    let secure = false;
    const visit = (inner: unknown, path: string) => {
        const result = withStandIns(inner, path);
        secure ||= result.secure;
        return result.value;
    };
    if (Array.isArray(value)) return { value: value.map((item, i) => visit(item, `${at}-${i}`)), secure };
    if (value !== null && typeof value === "object") {
        return { value: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, visit(v, `${at}.${k}`)])), secure };
    }
    return { value, secure };
}

function isSecure(value: unknown): boolean {
    return value !== null && typeof value === "object" && !Array.isArray(value)
        && Object.keys(value).length === 1 && typeof (value as Record<string, unknown>).secure === "string";
}

/** What reading a Node returns when the cluster reports these InternalIPs (node name → address). */
export function nodeReadState(ips: Record<string, string>) {
    return (type: string, id: string) => type === "kubernetes:core/v1:Node" && ips[id]
        ? { status: { addresses: [{ type: "Hostname", address: id }, { type: "InternalIP", address: ips[id] }] } }
        : undefined;
}

/** A file of node InternalIPs (YAML or JSON: `{ <node name>: <address> }`), as `--node-addresses` takes it. */
export function readNodeAddresses(file: string): Record<string, string> {
    const parsed: unknown = YAML.parse(fs.readFileSync(file, "utf8"));
    const valid = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
        && Object.values(parsed).every((address) => typeof address === "string" && isIP(address) !== 0);
    if (!valid) throw new Error(`${file}: expected a map of node name to IP address, e.g. "ctrl-1: 10.0.0.11"`);
    return parsed as Record<string, string>;
}
