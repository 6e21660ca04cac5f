// The failover labs (root; real daemons in network namespaces):
//   npm run lab -- <stack> [--repeat N] [--vip interface|l2|routed]
// nodeport stacks run the HAProxy lab; stacks with a VIP run the VIP lab for its mode, or for the
// mode --vip switches the stack's VIP to (the program run with that config: its bounds, its CRs). Exits
// non-zero when traffic does not resume or a measured figure exceeds the program's declared bound.
import { haproxyLab } from "./haproxy";
import { exposureMode, haproxySpec, programView, vipSpec, VipMode } from "./spec";
import { vipLab } from "./vip";

async function main(): Promise<boolean> {
    const args = process.argv.slice(2);
    const option = (name: string) => {
        const at = args.indexOf(name);
        if (at < 0) return undefined;
        const [, value] = args.splice(at, 2);
        if (value === undefined) throw new Error(`${name} needs a value`);
        return value;
    };
    const repeat = Number(option("--repeat") ?? 3);
    const vipMode = option("--vip") as VipMode | undefined;
    const [stack, ...rest] = args;
    if (!stack || rest.length > 0 || !Number.isInteger(repeat) || repeat < 1 || (vipMode && !["interface", "l2", "routed"].includes(vipMode))) {
        console.error("usage: npm run lab -- <stack> [--repeat N] [--vip interface|l2|routed]   (as root)");
        process.exit(2);
    }
    const started = Date.now();
    const view = await programView(stack, { vipMode });
    const ok = exposureMode(view) === "nodeport" && !vipMode
        ? await haproxyLab(stack, haproxySpec(view), { repeat })
        : await vipLab(await vipSpec(view), { repeat });
    console.log(`\n${ok ? "PASS" : "FAIL"} (${Math.round((Date.now() - started) / 1000)} s; ${process.platform} ${require("os").release()}, ${require("os").cpus().length} CPUs shared with other work: figures are noisy)`);
    return ok;
}

main().then((ok) => process.exit(ok ? 0 : 1), (error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    process.exit(1);
});
