// Evaluates a Pulumi program the way `pulumi preview` starts it, with Pulumi's mock monitor in place
// of the engine (there is no Pulumi CLI here): node runs @pulumi/pulumi's cmd/run entry point, which
// loads its instrumentation, source-map-support and v8 hooks, then cmd/run/run.js registers ts-node
// from tsconfig.json (Pulumi.yaml's `typescript: true`) and requires the program inside the stack.
// Plain JavaScript, because run.js registers ts-node itself. Config comes as the language host
// passes it, in PULUMI_CONFIG.
//   PULUMI_CONFIG='{"taco:namespace":"x"}' node tools/pulumiRun.js <program> [stack]
// Prints `resources <n>` (every registration and read, the stack included) when the program is done.
"use strict";
const path = require("path");
const pulumi = require("@pulumi/pulumi");

const [program, stack = "dev"] = process.argv.slice(2);
pulumi.runtime.setMocks({
    newResource: (args) => ({ id: args.id || `${args.name}-id`, state: args.inputs }),
    call: (args) => args.inputs,
}, "taco", stack, true).then(() => {
    pulumi.runtime.setAllConfig(JSON.parse(process.env.PULUMI_CONFIG || "{}"));
    const monitor = pulumi.runtime.getMonitor();
    let registered = 0;
    for (const method of ["registerResource", "readResource"]) {
        const original = monitor[method].bind(monitor);
        monitor[method] = (req, callback) => { registered++; return original(req, callback); };
    }
    // The engine's end-of-program handshake, which the mock monitor lacks.
    monitor.signalAndWaitForShutdown = (req, callback) => callback(null, {});
    process.on("exit", (code) => { if (code === 0) console.log(`resources ${registered}`); });
    process.env.PULUMI_NODEJS_TYPESCRIPT = process.env.PULUMI_NODEJS_TYPESCRIPT ?? "true";
    process.argv = [process.argv[0], require.resolve("@pulumi/pulumi/cmd/run"),
        "--monitor=mock", "--project=taco", `--stack=${stack}`, "--dry-run", path.resolve(program)];
    require("@pulumi/pulumi/cmd/run");
});
