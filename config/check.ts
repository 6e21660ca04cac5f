// The error every bad stack config ends in: it names the full key (`taco:exposure.nodePort.range`),
// the value it was given (never a secret's) and what is allowed, so an operator can fix the stack
// file from the message.

import { RunError } from "@pulumi/pulumi";

/** A RunError, so `pulumi preview` prints the message alone rather than a stack trace. */
export class ConfigError extends RunError {
    constructor(
        public readonly key: string,
        public readonly given: unknown,
        public readonly allowed: string,
    ) {
        super(`${key}: got ${show(given)}; ${allowed}`);
        this.name = "ConfigError";
    }
}

/** Stands for a secret value in a message: the value itself is never shown. */
export const HIDDEN: unique symbol = Symbol("hidden secret value");

export function show(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === HIDDEN) return "[secret]";
    let text: string;
    try {
        text = JSON.stringify(value) ?? String(value);
    } catch {
        return "a value nested too deeply to show";
    }
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export type Raw = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Raw {
    return typeof value === "object" && value !== null && !Array.isArray(value)
        && Object.getPrototypeOf(value) === Object.prototype;
}
