// The real Pulumi CLI, run the way an operator runs it, against a file:// backend in the e2e's
// scratch directory and the e2e's own copy of the stack's config file (the committed one is read,
// never written).
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

export interface CliResult {
    code: number;
    stdout: string;
    stderr: string;
    seconds: number;
}

export class PulumiCli {
    readonly configFile: string;
    private readonly env: NodeJS.ProcessEnv;

    constructor(readonly stack: string, readonly projectDir: string, readonly scratch: string, bin: string, private readonly log: string) {
        fs.mkdirSync(path.join(scratch, "state"), { recursive: true });
        this.configFile = path.join(scratch, `Pulumi.${stack}.yaml`);
        fs.copyFileSync(path.join(projectDir, `Pulumi.${stack}.yaml`), this.configFile);
        this.env = {
            ...process.env,
            PATH: `${bin}:${process.env.PATH}`,
            PULUMI_HOME: path.join(scratch, ".pulumi"),
            PULUMI_BACKEND_URL: `file://${path.join(scratch, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "taco-e2e-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            NO_COLOR: "1",
        };
    }

    /** `pulumi <args> --stack <stack> --config-file <copy>`, its output kept in the stack's log. */
    run(args: string[], kubeconfig?: string, input?: string): Promise<CliResult> {
        const started = Date.now();
        const full = [...args, "--stack", this.stack, "--config-file", this.configFile, "--non-interactive", "--color", "never"];
        fs.appendFileSync(this.log, `\n$ pulumi ${full.join(" ")}\n`);
        return new Promise((resolve, reject) => {
            const child = spawn("pulumi", full, {
                cwd: this.projectDir,
                env: { ...this.env, ...(kubeconfig ? { KUBECONFIG: kubeconfig } : {}) },
                stdio: ["pipe", "pipe", "pipe"],
            });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk: Buffer) => { stdout += chunk; fs.appendFileSync(this.log, chunk); });
            child.stderr.on("data", (chunk: Buffer) => { stderr += chunk; fs.appendFileSync(this.log, chunk); });
            child.on("error", reject);
            child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
            child.stdin.end(input ?? "");
        });
    }

    /** Like run, but a non-zero exit is an error carrying the output's tail. */
    async ok(args: string[], kubeconfig?: string, input?: string): Promise<CliResult> {
        const result = await this.run(args, kubeconfig, input);
        if (result.code !== 0) {
            const tail = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-25).join("\n");
            throw new Error(`pulumi ${args.join(" ")} exited ${result.code}:\n${tail}`);
        }
        return result;
    }
}
