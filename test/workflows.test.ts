// The GitHub Actions workflows: valid against GitHub's own workflow schema, and doing what the
// README says (previews per stack on pull requests, forks guarded, deploys dev → staging → prod).
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

const PROJECT = path.resolve(__dirname, "..");
const WORKFLOWS = path.join(PROJECT, ".github", "workflows");
const files = fs.readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file)).sort();

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> };
type Job = {
    if?: string; needs?: string | string[]; uses?: string; with?: Record<string, unknown>; environment?: unknown;
    permissions?: Record<string, string>; steps?: Step[]; strategy?: { matrix: Record<string, unknown[]> };
};
type Workflow = { on: Record<string, any>; permissions?: unknown; jobs: Record<string, Job> };

const workflows: Record<string, Workflow> = Object.fromEntries(files.map((file) =>
    [file, YAML.parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"))]));
const allJobs = Object.entries(workflows).flatMap(([file, workflow]) =>
    Object.entries(workflow.jobs).map(([id, job]) => ({ file, id, job })));
const pulumiSteps = (job: Job) => (job.steps ?? []).filter((step) => step.uses?.startsWith("pulumi/actions@"));
const stackFiles = fs.readdirSync(PROJECT).map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1]).filter((s): s is string => !!s).sort();
const scripts: Record<string, string> = JSON.parse(fs.readFileSync(path.join(PROJECT, "package.json"), "utf8")).scripts;

const SAME_REPO = "github.event.pull_request.head.repo.full_name == github.repository";
const FORK = "github.event.pull_request.head.repo.full_name != github.repository";

/** Every npm invocation in a shell script: its command and, for `run`, the script it runs. */
function npmCalls(script: string): { command: string; script?: string }[] {
    return [...script.matchAll(/\bnpm((?:\s+[^\s;&|]+)*)/g)].map((match) => {
        const words = match[1].trim().split(/\s+/).filter((word) => word && !word.startsWith("-"));
        const [command, name] = words;
        return { command, script: command === "run" || command === "run-script" ? name : ["test", "start", "stop", "restart"].includes(command) ? command : undefined };
    });
}

interface LintResult { status: number | null; stdout: string; stderr: string }

/** `npm run lint:workflows` on `files` (tools/workflowLint.mjs, in a process of its own as it is an ES module with a loader hook). */
const lint = (files: string[]) => new Promise<LintResult>((resolve) => {
    execFile(process.execPath, ["tools/workflowLint.mjs", ...files], { cwd: PROJECT, encoding: "utf8" },
        (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === "number" ? error.code : null) : 0, stdout, stderr }));
});

describe("workflows: GitHub Actions", () => {
    // Each lint is a process, mostly loading the parser: both start as the suite is loaded and run
    // beside the tests before these; the two tests below wait for them.
    const linted = lint(files.map((file) => path.join(".github", "workflows", file)));
    const broken = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "wf-")), "broken.yml");
    fs.writeFileSync(broken, fs.readFileSync(path.join(WORKFLOWS, "pull-request.yml"), "utf8").replace("needs: checks", "needs: no-such-job"));
    const lintedBroken = lint([broken]).finally(() => fs.rmSync(path.dirname(broken), { recursive: true, force: true }));

    it("has the four workflow files", () => {
        assert.deepStrictEqual(files, ["checks.yml", "deploy.yml", "pull-request.yml", "up.yml"]);
    });

    it("validates against GitHub's workflow schema (@actions/workflow-parser)", async function () {
        this.timeout(30_000);
        const result = await linted;
        assert.ok(result.stdout, result.stderr);
        const report = JSON.parse(result.stdout) as Record<string, string[]>;
        assert.deepStrictEqual(Object.values(report).flat(), []);
        assert.strictEqual(result.status, 0, result.stderr);
    });

    it("the schema check catches a broken workflow", async function () {
        this.timeout(30_000);
        const result = await lintedBroken;
        assert.strictEqual(result.status, 1);
        assert.match(result.stdout, /unknown job 'no-such-job'/);
    });

    it("triggers: pull requests to main, pushes to main, and the two reusable workflows", () => {
        assert.deepStrictEqual(Object.keys(workflows["pull-request.yml"].on), ["pull_request"]);
        assert.deepStrictEqual(workflows["pull-request.yml"].on.pull_request.branches, ["main"]);
        assert.deepStrictEqual(workflows["deploy.yml"].on, { push: { branches: ["main"] } });
        assert.deepStrictEqual(Object.keys(workflows["checks.yml"].on), ["workflow_call"]);
        assert.deepStrictEqual(Object.keys(workflows["up.yml"].on), ["workflow_call"]);
    });

    it("uses pulumi/actions v7 wherever Pulumi runs, with the policy pack and its per-stack config", () => {
        const uses = allJobs.flatMap(({ job }) => pulumiSteps(job));
        assert.ok(uses.length >= 2);
        for (const step of uses) {
            assert.strictEqual(step.uses, "pulumi/actions@v7");
            assert.strictEqual(step.with?.policyPacks, "policy");
            assert.match(String(step.with?.policyPackConfigs), /^policy\/config\/\$\{\{ (matrix|inputs)\.stack \}\}\.json$/);
        }
        for (const stack of stackFiles) assert.ok(fs.existsSync(path.join(PROJECT, "policy", "config", `${stack}.json`)), `no policy/config/${stack}.json`);
    });

    it("previews every stack on a pull request, with a comment, and the matrix equals the stack files", () => {
        const preview = workflows["pull-request.yml"].jobs.preview;
        assert.deepStrictEqual([...(preview.strategy?.matrix.stack as string[])].sort(), stackFiles);
        const [step] = pulumiSteps(preview);
        assert.strictEqual(step.with?.command, "preview");
        assert.strictEqual(step.with?.["stack-name"], "${{ matrix.stack }}");
        assert.strictEqual(step.with?.["comment-on-pr"], true);
        assert.strictEqual(preview.permissions?.["pull-requests"], "write");
    });

    it("guards the preview on the head repository, and gives forks the offline plan of every stack instead", () => {
        const { jobs } = workflows["pull-request.yml"];
        assert.strictEqual(jobs.preview.if, SAME_REPO);
        const plan = jobs["offline-plan"];
        assert.strictEqual(plan.if, FORK);
        const script = (plan.steps ?? []).map((step) => step.run ?? "").join("\n");
        assert.match(script, /for file in Pulumi\.\*\.yaml/);
        assert.match(script, /npm run --silent plan -- "\$stack"/);
        assert.match(script, /GITHUB_STEP_SUMMARY/);
        const upload = (plan.steps ?? []).find((step) => step.uses?.startsWith("actions/upload-artifact@"));
        assert.strictEqual(upload?.with?.path, "plan/");
        // Only the guarded job may read a secret.
        for (const [id, job] of Object.entries(jobs)) {
            if (JSON.stringify(job).includes("secrets")) assert.strictEqual(job.if, SAME_REPO, `${id} reads secrets without the fork guard`);
        }
    });

    it("hands previews a read-only kubeconfig and deploys the deploy one", () => {
        const env = (job: Job) => (job.steps ?? []).map((step) => JSON.stringify(step.env ?? {})).join();
        assert.match(env(workflows["pull-request.yml"].jobs.preview), /KUBECONFIG_READONLY_/);
        assert.doesNotMatch(env(workflows["pull-request.yml"].jobs.preview), /secrets\.KUBECONFIG\b/);
        assert.match(env(workflows["up.yml"].jobs.up), /secrets\.KUBECONFIG \}\}/);
    });

    it("deploys dev → staging → prod, each job in the GitHub environment of its stack", () => {
        const { jobs } = workflows["deploy.yml"];
        const order = ["dev", "staging", "prod"];
        order.forEach((stack, i) => {
            assert.strictEqual(jobs[stack].uses, "./.github/workflows/up.yml");
            assert.deepStrictEqual(jobs[stack].with, { stack });
            assert.strictEqual(jobs[stack].needs, i === 0 ? "checks" : order[i - 1]);
        });
        const up = workflows["up.yml"].jobs.up;
        assert.strictEqual(up.environment, "${{ inputs.stack }}");
        const [step] = pulumiSteps(up);
        assert.strictEqual(step.with?.command, "up");
        assert.strictEqual(step.with?.["stack-name"], "${{ inputs.stack }}");
    });

    it("installs devDependencies before every Pulumi run", () => {
        for (const { file, id, job } of allJobs.filter(({ job }) => pulumiSteps(job).length > 0)) {
            const steps = job.steps ?? [];
            const install = steps.findIndex((step) => /^npm ci\s*$/m.test(step.run ?? ""));
            assert.ok(install >= 0 && install < steps.indexOf(pulumiSteps(job)[0]), `${file} ${id}: no plain \`npm ci\` before Pulumi`);
            assert.doesNotMatch(JSON.stringify(job), /--omit=dev|--production|NODE_ENV/, `${file} ${id}`);
        }
    });

    it("grants least privilege: nothing by default, read-only contents per job, PR write only to the preview", () => {
        for (const [file, workflow] of Object.entries(workflows)) assert.deepStrictEqual(workflow.permissions, {}, file);
        for (const { file, id, job } of allJobs) {
            assert.ok(job.permissions, `${file} ${id} declares no permissions`);
            const writes = Object.entries(job.permissions).filter(([, level]) => level === "write").map(([scope]) => scope);
            assert.deepStrictEqual(writes, file === "pull-request.yml" && id === "preview" ? ["pull-requests"] : [], `${file} ${id}`);
        }
    });

    it("calls only npm scripts that package.json defines", () => {
        const calls = allJobs.flatMap(({ job }) => (job.steps ?? []).flatMap((step) => npmCalls(step.run ?? "")));
        assert.ok(calls.length > 0);
        for (const call of calls) {
            if (call.script === undefined) assert.strictEqual(call.command, "ci", `npm ${call.command}`);
            else assert.ok(call.script in scripts, `npm run ${call.script}: no such script in package.json`);
        }
    });
});
