// Pulumi's runtime takes a stack trace for every promise it tracks (`new Error().stack` in
// @pulumi/pulumi's runtime/debuggable.js, dozens per resource) and reads it only for the leak report
// that PULUMI_DEBUG_PROMISE_LEAKS asks for. Taking each one, and source-mapping it the moment it is
// taken (ts-node and Pulumi's own source-map-support are in the process), was a third of the
// program's evaluation, spent on strings nobody reads.

const INSTALLED = Symbol.for("taco.skipUnreadPromiseTraces");

type Track = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Unless leak debugging is on, the runtime's promise tracking records no stack frames. Everything
 * else it does is unchanged (leaked promises still fail the run and are counted), and no other
 * stack trace is touched: errors that reach the user stay mapped to `.ts` lines. Idempotent; a no-op
 * if a later SDK no longer has the function.
 */
export function skipUnreadPromiseTraces(): void {
    if (process.env.PULUMI_DEBUG_PROMISE_LEAKS) return;
    // The SDK's own copy, the one its runtime calls through (`debuggable_1.debuggablePromise(...)`).
    const debuggable: { debuggablePromise?: Track } = require("@pulumi/pulumi/runtime/debuggable");
    const track = debuggable.debuggablePromise;
    if (typeof track !== "function" || INSTALLED in track) return;
    debuggable.debuggablePromise = Object.assign(function (this: unknown, ...args: unknown[]) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return track.apply(this, args);
        } finally {
            Error.stackTraceLimit = limit;
        }
    }, { [INSTALLED]: true });
}
