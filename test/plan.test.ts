// The offline plan (`npm run plan -- <stack>`), run as an operator runs it: a child process that
// prints the resource tree and the outputs and writes plan/<stack>/.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const PROJECT = path.resolve(__dirname, "..");
const plan = (stack: string) => spawnSync("npx", ["ts-node", "scripts/plan.ts", stack], {
    cwd: PROJECT, encoding: "utf8", timeout: 60_000, env: { ...process.env, FORCE_COLOR: "0" },
});

describe("the offline plan", () => {
    it("plans the dev stack: the NodePortExposure tree, masked secrets, a HAProxy file, no stand-in values", function () {
        this.timeout(60_000);
        const result = plan("dev");
        assert.strictEqual(result.status, 0, `exit ${result.status}\n${result.stderr}`);
        const lines = result.stdout.split("\n");

        const component = lines.findIndex((line) => line.trim() === "taco:exposure:NodePortExposure  nodeport");
        assert.ok(component >= 0, `no NodePortExposure in the tree:\n${result.stdout}`);
        const depth = (line: string) => line.length - line.trimStart().length;
        const children = [];
        for (let i = component + 1; i < lines.length && depth(lines[i]) > depth(lines[component]); i++) children.push(lines[i].trim());
        assert.deepStrictEqual(children.sort(), ["kubernetes:core/v1:Service  horizon-nodeport", "kubernetes:core/v1:Service  keystone-nodeport"]);

        assert.match(result.stdout, /^\s*adminCredentials: "\[secret\]"$/m);

        const written = lines.slice(lines.findIndex((line) => line.startsWith("Written:")) + 1)
            .map((line) => line.trim()).filter(Boolean).map((file) => path.resolve(PROJECT, file));
        const haproxy = path.join(PROJECT, "plan", "dev", "haproxy-backends.cfg");
        assert.ok(written.includes(haproxy), `haproxy-backends.cfg not listed in:\n${written.join("\n")}`);
        assert.ok(fs.existsSync(haproxy));
        assert.match(fs.readFileSync(haproxy, "utf8"), /^backend taco_keystone$/m);
        const rollout = path.join(PROJECT, "plan", "dev", "rollout.md");
        assert.ok(written.includes(rollout), `rollout.md not listed in:\n${written.join("\n")}`);
        assert.match(fs.readFileSync(rollout, "utf8"), /^## Critical path$/m);

        assert.ok(!result.stdout.includes("stand-in:"), "stdout shows a stand-in value");
        for (const file of written) {
            assert.ok(!fs.readFileSync(file, "utf8").includes("stand-in:"), `${path.relative(PROJECT, file)} holds a stand-in value`);
        }
    });

    it("fails on a bad stack with the config message and a non-zero exit", function () {
        this.timeout(60_000);
        const stack = `plantest${process.pid}`;
        const file = path.join(PROJECT, `Pulumi.${stack}.yaml`);
        // nodeport with Local needs taco:nodes.controlPlane.
        fs.writeFileSync(file, [
            "config:",
            "  taco:exposure:",
            "    mode: nodeport",
            "    nodePort:",
            "      publicEndpoint: { scheme: http, host: ctrl-1, port: 30500 }",
            "",
        ].join("\n"));
        try {
            const result = plan(stack);
            assert.ok(result.status !== 0 && result.status !== null, `exit ${result.status}`);
            assert.match(result.stderr, /taco:nodes\.controlPlane/);
            assert.ok(!fs.existsSync(path.join(PROJECT, "plan", stack)), "a failed plan wrote plan/<stack>");
        } finally {
            fs.rmSync(file, { force: true });
            fs.rmSync(path.join(PROJECT, "plan", stack), { recursive: true, force: true });
        }
    });
});
