// Stack config as `pulumi` would hand it to the program: Pulumi.yaml's declared defaults, then
// Pulumi.<stack>.yaml, as full keys with structured values as JSON text.
import * as fs from "fs";
import { isIP } from "net";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_DIR } from "./mockRuntime";

export function stackFile(stack: string, projectDir = PROJECT_DIR): string {
    return path.join(projectDir, `Pulumi.${stack}.yaml`);
}

export function readStackConfig(stack: string, projectDir = PROJECT_DIR): Record<string, string> {
    const project = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8"));
    const file = stackFile(stack, projectDir);
    if (!fs.existsSync(file)) throw new Error(`no stack file ${path.relative(process.cwd(), file)}`);
    const stackValues: Record<string, unknown> = YAML.parse(fs.readFileSync(file, "utf8"))?.config ?? {};
    const config: Record<string, string> = {};
    const put = (key: string, value: unknown) => {
        config[key] = typeof value === "string" ? value : JSON.stringify(value);
    };
    for (const [key, declaration] of Object.entries<Record<string, unknown>>(project.config ?? {})) {
        if (declaration && "default" in declaration) put(key.includes(":") ? key : `${project.name}:${key}`, declaration.default);
    }
    for (const [key, value] of Object.entries(stackValues)) put(key, value);
    return config;
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
