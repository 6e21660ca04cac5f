import * as assert from "assert";
import { failure, run, runStackFile } from "./support";

describe("the mock harness", () => {
    it("runs the program more than once in one process, each run on its own config", async () => {
        const first = await run({ "taco:namespace": "first" });
        const second = await run({ "taco:namespace": "second" });
        const namespaceOf = (r: typeof first) => (r.get("core/v1:Namespace", "namespace").inputs.metadata as { name: string }).name;
        assert.strictEqual(namespaceOf(first), "first");
        assert.strictEqual(namespaceOf(second), "second");
        assert.strictEqual(first.resources.length, second.resources.length);
    });

    it("surfaces a config error as a rejected run", async () => {
        const message = await failure(() => run({ "taco:exposure": { mode: "bogus" } }));
        assert.match(message, /taco:exposure.mode/);
    });

    it("runs a stack file", async () => {
        const dev = await runStackFile("dev");
        assert.strictEqual(dev.plainOutputs().exposureMode, "nodeport");
    });
});
