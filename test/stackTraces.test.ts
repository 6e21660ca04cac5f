// Stack traces: Pulumi's promise tracking no longer takes any (lib/promiseTraces.ts), while errors
// that reach the user still point at the `.ts` line that threw, in the mock harness and the way
// `pulumi preview` runs the program (tools/pulumiRun.js: cmd/run, ts-node with swc per tsconfig.json).
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { skipUnreadPromiseTraces } from "../lib/promiseTraces";
import { PROJECT_DIR, runStack, waitForRegistrations } from "../tools/mockRuntime";

const FIXTURE = path.join(__dirname, "fixtures", "failingProgram.ts");

/** `failingProgram.ts:<line>:`, the line (1-based) of the fixture's `throw` of `message`. */
function throwSite(message: string): string {
    const line = fs.readFileSync(FIXTURE, "utf8").split("\n").findIndex((text) => text.includes("throw new Error") && text.includes(message)) + 1;
    assert.ok(line > 0, `no throw of "${message}" in the fixture`);
    return `${path.basename(FIXTURE)}:${line}:`;
}

/**
 * The error a run of the fixture rejects with. A failing program also leaves rejected promises and
 * registrations behind (the language host would exit on them): they belong to this run, so they are
 * drained and absorbed here rather than reaching the next test's run.
 */
async function harnessError(stack: string): Promise<Error> {
    const absorb = () => undefined;
    process.on("unhandledRejection", absorb);
    try {
        const error = await runStack({ stack, config: {}, program: FIXTURE }).then(() => assert.fail("the failing program ran through"), (e: Error) => e);
        await waitForRegistrations().catch(() => undefined);
        await new Promise((resolve) => setImmediate(resolve));
        return error;
    } finally {
        process.off("unhandledRejection", absorb);
    }
}

describe("stack traces", () => {
    // A process of its own, mostly spent loading Pulumi: started as the suite loads, awaited below.
    const preview = new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(process.execPath, [path.join(PROJECT_DIR, "tools", "pulumiRun.js"), FIXTURE, "top"], {
            cwd: PROJECT_DIR, encoding: "utf8", timeout: 60_000, env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
        }, (error, _stdout, stderr) => resolve({
            code: error ? (typeof error.code === "number" ? error.code : null) : 0,
            stderr: stderr.replace(/\x1b\[[0-9;]*m/g, ""),
        }));
    });

    it("Pulumi's promise tracking records no stack frames", async () => {
        skipUnreadPromiseTraces();
        const debuggable = require("@pulumi/pulumi/runtime/debuggable");
        const tracked = Promise.resolve("tracked");
        assert.strictEqual(await debuggable.debuggablePromise(tracked, "probe"), "tracked");
        assert.strictEqual((tracked as unknown as { _debugStackTrace: unknown })._debugStackTrace, "Error");
    });

    it("an error thrown by the program names the .ts file and line of the throw (mock harness)", async () => {
        const error = await harnessError("top");
        assert.strictEqual(error.message, "failed at top level");
        assert.ok(error.stack?.includes(throwSite("failed at top level")), `stack does not point at the throw:\n${error.stack}`);
    });

    it("so does an error thrown in an apply (mock harness)", async () => {
        const error = await harnessError("apply");
        assert.strictEqual(error.message, "failed in an apply on shape");
        assert.ok(error.stack?.includes(throwSite("failed in an apply on")), `stack does not point at the throw:\n${error.stack}`);
    });

    it("and as `pulumi preview` runs the program", async function () {
        this.timeout(60_000);
        const { code, stderr } = await preview;
        assert.notStrictEqual(code, 0, "the failing program exited 0");
        assert.match(stderr, /Error: failed at top level/);
        assert.ok(stderr.includes(throwSite("failed at top level")), `stderr does not point at the throw:\n${stderr}`);
    });
});
