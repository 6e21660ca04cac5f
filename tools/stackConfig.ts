// Stack config as `pulumi` would hand it to the program: Pulumi.yaml's declared defaults, then
// Pulumi.<stack>.yaml, as full keys with structured values as JSON text.
import * as fs from "fs";
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
