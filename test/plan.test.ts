// The offline plan (`npm run plan -- <stack>`): prints the resource tree and the outputs and writes
// plan/<stack>/. Its command line runs here in this process (planCommand, into a scratch plan/
// directory); one test runs it as an operator does, a child process, and holds the two to each other.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { planInProcess, PlanResult } from "./support";

const PROJECT = path.resolve(__dirname, "..");

interface ProcessResult { status: number | null; stdout: string; stderr: string }

// What `npm run plan` runs (`ts-node --transpile-only`, swc per tsconfig.json), without npm around it.
const planProcess = (stack: string) => new Promise<ProcessResult>((resolve) => {
    execFile(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "scripts/plan.ts", stack], {
        cwd: PROJECT, encoding: "utf8", timeout: 60_000, env: { ...process.env, FORCE_COLOR: "0" },
    }, (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }));
});

/** The files a plan lists after "Written:", as absolute paths. */
const writtenFiles = (stdout: string) => {
    const lines = stdout.split("\n");
    return lines.slice(lines.findIndex((line) => line.startsWith("Written:")) + 1)
        .map((line) => line.trim()).filter(Boolean).map((file) => path.resolve(process.cwd(), file));
};

/** Plans a stack file written for the occasion, removed once the plan is done. */
async function planScratch(stack: string, lines: string[]): Promise<PlanResult> {
    const file = path.join(PROJECT, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, lines.join("\n"));
    try {
        return await planInProcess([stack]);
    } finally {
        fs.rmSync(file, { force: true });
    }
}

describe("the offline plan", () => {
    // The child process is mostly Pulumi loading: it starts as the suite is loaded and runs beside
    // the in-process tests; the test that compares waits for it.
    const child = planProcess("dev");
    let dev: Promise<PlanResult>;
    before(() => { dev = planInProcess(["dev"]); });

    it("plans the dev stack: the NodePortExposure tree, masked secrets, a HAProxy file, no stand-in values", async function () {
        this.timeout(60_000);
        const result = await dev;
        assert.strictEqual(result.status, 0, `exit ${result.status}\n${result.stderr}`);
        const lines = result.stdout.split("\n");

        const component = lines.findIndex((line) => line.trim() === "taco:exposure:NodePortExposure  nodeport");
        assert.ok(component >= 0, `no NodePortExposure in the tree:\n${result.stdout}`);
        const depth = (line: string) => line.length - line.trimStart().length;
        const children = [];
        for (let i = component + 1; i < lines.length && depth(lines[i]) > depth(lines[component]); i++) children.push(lines[i].trim());
        assert.deepStrictEqual(children.sort(), ["kubernetes:core/v1:Service  horizon-nodeport", "kubernetes:core/v1:Service  keystone-nodeport"]);

        assert.match(result.stdout, /^\s*adminCredentials: "\[secret\]"$/m);

        const written = writtenFiles(result.stdout);
        const haproxy = path.join(result.planRoot, "dev", "haproxy-backends.cfg");
        assert.ok(written.includes(haproxy), `haproxy-backends.cfg not listed in:\n${written.join("\n")}`);
        assert.ok(fs.existsSync(haproxy));
        assert.match(fs.readFileSync(haproxy, "utf8"), /^backend taco_keystone$/m);
        const rollout = path.join(result.planRoot, "dev", "rollout.md");
        assert.ok(written.includes(rollout), `rollout.md not listed in:\n${written.join("\n")}`);
        assert.match(fs.readFileSync(rollout, "utf8"), /^## Critical path$/m);

        const keystoneValues = path.join(result.planRoot, "dev", "keystone.values.yaml");
        assert.strictEqual(fs.readFileSync(keystoneValues, "utf8").split("\n")[0],
            "# helm template keystone keystone --repo https://tarballs.opendev.org/openstack/openstack-helm --version 2026.1.24+0ee5adeff -n openstack -f keystone.values.yaml");

        assert.ok(!result.stdout.includes("stand-in:"), "stdout shows a stand-in value");
        for (const file of written) {
            assert.ok(!fs.readFileSync(file, "utf8").includes("stand-in:"), `${path.relative(PROJECT, file)} holds a stand-in value`);
        }
    });

    it("fails on a bad stack with the config message and a non-zero exit", async function () {
        this.timeout(60_000);
        // nodeport with Local needs taco:nodes.controlPlane.
        const stack = `plantest${process.pid}`;
        const result = await planScratch(stack, [
            "config:",
            "  taco:exposure:",
            "    mode: nodeport",
            "    nodePort:",
            "      publicEndpoint: { scheme: http, host: ctrl-1, port: 30500 }",
            "",
        ]);
        assert.ok(result.status !== 0 && result.status !== null, `exit ${result.status}`);
        assert.match(result.stderr, /taco:nodes\.controlPlane/);
        assert.ok(!fs.existsSync(path.join(result.planRoot, stack)), "a failed plan wrote plan/<stack>");
    });

    it("as a process (npm run plan -- dev): exits 0, prints what the command prints, writes the same files into plan/dev", async function () {
        this.timeout(60_000);
        const [spawned, inProcess] = await Promise.all([child, dev]);
        assert.strictEqual(spawned.status, 0, `exit ${spawned.status}\n${spawned.stderr}`);
        const beforeWritten = (stdout: string) => stdout.slice(0, stdout.indexOf("Written:"));
        assert.ok(beforeWritten(spawned.stdout).includes("taco:exposure:NodePortExposure  nodeport"), spawned.stdout);
        assert.strictEqual(beforeWritten(spawned.stdout), beforeWritten(inProcess.stdout));
        const planDir = path.join(PROJECT, "plan", "dev");
        const written = writtenFiles(spawned.stdout);
        assert.deepStrictEqual(written.map((file) => path.relative(planDir, file)).sort(),
            writtenFiles(inProcess.stdout).map((file) => path.relative(path.join(inProcess.planRoot, "dev"), file)).sort());
        for (const file of written) {
            assert.strictEqual(fs.readFileSync(file, "utf8"), fs.readFileSync(path.join(inProcess.planRoot, "dev", path.relative(planDir, file)), "utf8"), file);
        }
    });
});
