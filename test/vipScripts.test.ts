// vip/claim.sh and vip/release.sh, the scripts the interface-mode sidecar (and the failover lab)
// run, exercised without root: `ip` and `arping` are stand-ins on PATH that keep the interface's
// addresses in a file and answer duplicate address detection as told. The failover lab runs the
// same scripts with the real tools in network namespaces.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_DIR } from "../tools/mockRuntime";

const VIP = "10.10.10.254";

/** `ip link show dev X`, `ip [-o] addr show dev X`, `ip addr add|del A/32 dev X` over $STATE; nothing else. */
const FAKE_IP = `#!/bin/sh
echo "ip $*" >> "$CALLS"
case "$1 $2" in
  "link show") exit 0 ;;
  "-o addr"|"addr show") while read -r a; do echo "2: $VIP_INTERFACE    inet $a scope global $VIP_INTERFACE"; done < "$STATE" ;;
  "addr add") echo "$3" >> "$STATE" ;;
  "addr del") grep -vxF "$3" "$STATE" > "$STATE.new" || true; mv "$STATE.new" "$STATE" ;;
  *) exit 2 ;;
esac
`;

/** `arping -D` exits $DAD_EXIT (0: nobody answered); every other use succeeds. */
const FAKE_ARPING = `#!/bin/sh
echo "arping $*" >> "$CALLS"
case " $* " in *" -D "*) exit "\${DAD_EXIT:-0}" ;; esac
exit 0
`;

/**
 * A clock of whole seconds kept in $CLOCK: `date +%s` reads it, `sleep N` moves it on at once. The
 * claim's bounded wait then runs its real loop (try, check the time, sleep) without the real seconds.
 */
const FAKE_DATE = `#!/bin/sh
[ "$*" = "+%s" ] || exit 2
cat "$CLOCK"
`;
const FAKE_SLEEP = `#!/bin/sh
echo "sleep $*" >> "$CALLS"
echo $(( $(cat "$CLOCK") + $1 )) > "$CLOCK"
`;

interface Outcome {
    status: number | null;
    stderr: string;
    calls: string[];
    held: string[];
}

function runScript(script: "claim.sh" | "release.sh", options: { held?: string[]; dadExit?: number; env?: Record<string, string> } = {}): Outcome {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "taco-vip-"));
    try {
        for (const [name, body] of [["ip", FAKE_IP], ["arping", FAKE_ARPING], ["date", FAKE_DATE], ["sleep", FAKE_SLEEP]]) {
            fs.writeFileSync(path.join(dir, name), body, { mode: 0o755 });
        }
        const state = path.join(dir, "state");
        const calls = path.join(dir, "calls");
        fs.writeFileSync(state, (options.held ?? []).map((address) => `${address}\n`).join(""));
        fs.writeFileSync(calls, "");
        const clock = path.join(dir, "clock");
        fs.writeFileSync(clock, "1000000000\n");
        const result = spawnSync("sh", [path.join(PROJECT_DIR, "vip", script)], {
            encoding: "utf8",
            timeout: 20_000,
            env: {
                PATH: `${dir}:${process.env.PATH}`, STATE: state, CALLS: calls, CLOCK: clock,
                VIP_ADDRESS: VIP, VIP_INTERFACE: "eth0", VIP_DAD_TIMEOUT_SECONDS: "0",
                DAD_EXIT: String(options.dadExit ?? 0), ...options.env,
            },
        });
        const read = (file: string) => fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
        return { status: result.status, stderr: result.stderr, calls: read(calls), held: read(state) };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("vip/claim.sh", () => {
    it("checks the address is free (arping -D on the interface) before adding it as /32, then sends gratuitous ARP", () => {
        const outcome = runScript("claim.sh");
        assert.strictEqual(outcome.status, 0, outcome.stderr);
        assert.deepStrictEqual(outcome.held, [`${VIP}/32`]);
        const dad = outcome.calls.findIndex((call) => /^arping .*-D .*-I eth0 10\.10\.10\.254$/.test(call));
        const add = outcome.calls.indexOf(`ip addr add ${VIP}/32 dev eth0`);
        const garp = outcome.calls.findIndex((call) => /^arping -U .*-I eth0 10\.10\.10\.254$/.test(call));
        assert.ok(dad >= 0 && dad < add && add < garp, outcome.calls.join("\n"));
    });

    it("refuses, exiting non-zero, when another host still answers for the address after the wait", () => {
        const outcome = runScript("claim.sh", { dadExit: 1 });
        assert.notStrictEqual(outcome.status, 0);
        assert.deepStrictEqual(outcome.held, []);
        assert.ok(!outcome.calls.some((call) => call.startsWith("ip addr add")), outcome.calls.join("\n"));
        assert.match(outcome.stderr, /still answered by another host/);
    });

    it("keeps retrying duplicate address detection until its bounded wait ends", () => {
        const outcome = runScript("claim.sh", { dadExit: 1, env: { VIP_DAD_TIMEOUT_SECONDS: "2" } });
        assert.notStrictEqual(outcome.status, 0);
        assert.ok(outcome.calls.filter((call) => / -D /.test(call)).length >= 2, outcome.calls.join("\n"));
    });

    it("only announces again when this node already holds the address (a restarted sidecar)", () => {
        const outcome = runScript("claim.sh", { held: [`${VIP}/32`] });
        assert.strictEqual(outcome.status, 0, outcome.stderr);
        assert.ok(!outcome.calls.some((call) => / -D /.test(call) || call.startsWith("ip addr add")), outcome.calls.join("\n"));
        assert.ok(outcome.calls.some((call) => call.startsWith("arping -U")));
    });

    it("does not mistake a longer address with the same prefix for the VIP", () => {
        const outcome = runScript("claim.sh", { held: ["10.10.10.25/24"] });
        assert.strictEqual(outcome.status, 0, outcome.stderr);
        assert.deepStrictEqual(outcome.held, ["10.10.10.25/24", `${VIP}/32`]);
    });

    it("needs VIP_ADDRESS and VIP_INTERFACE", () => {
        assert.notStrictEqual(runScript("claim.sh", { env: { VIP_INTERFACE: "" } }).status, 0);
        assert.notStrictEqual(runScript("claim.sh", { env: { VIP_ADDRESS: "" } }).status, 0);
    });
});

describe("vip/release.sh", () => {
    it("removes the address from the interface", () => {
        const outcome = runScript("release.sh", { held: ["10.10.10.20/24", `${VIP}/32`] });
        assert.strictEqual(outcome.status, 0, outcome.stderr);
        assert.deepStrictEqual(outcome.held, ["10.10.10.20/24"]);
    });

    it("succeeds without touching anything when the address is not here", () => {
        const outcome = runScript("release.sh", { held: ["10.10.10.20/24"] });
        assert.strictEqual(outcome.status, 0, outcome.stderr);
        assert.ok(!outcome.calls.some((call) => call.startsWith("ip addr del")));
    });
});
