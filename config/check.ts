// Small readers for untyped stack config. Each names the full key (`taco:exposure.nodePort.range`),
// the value it was given and what is allowed, so an operator can fix the stack file from the message.

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

export function show(value: unknown): string {
    if (value === undefined) return "nothing";
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export type Raw = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Raw {
    return typeof value === "object" && value !== null && !Array.isArray(value)
        && Object.getPrototypeOf(value) === Object.prototype;
}

/** An object whose keys all come from `allowed`. */
export function object(key: string, value: unknown, allowed: readonly string[]): Raw {
    if (!isPlainObject(value)) throw new ConfigError(key, value, `expected an object with keys ${allowed.join(", ")}`);
    for (const k of Object.keys(value)) {
        if (!allowed.includes(k)) throw new ConfigError(`${key}.${k}`, value[k], `unknown key; allowed keys of ${key}: ${allowed.join(", ")}`);
    }
    return value;
}

/** An object with any keys (raw chart values). */
export function anyObject(key: string, value: unknown): Raw {
    if (!isPlainObject(value)) throw new ConfigError(key, value, "expected an object (a YAML mapping)");
    return value;
}

export function optionalObject(key: string, value: unknown, allowed: readonly string[]): Raw {
    return value === undefined || value === null ? {} : object(key, value, allowed);
}

export function string(key: string, value: unknown, pattern?: RegExp, what = "a non-empty string"): string {
    if (typeof value !== "string" || value.length === 0 || (pattern && !pattern.test(value))) {
        throw new ConfigError(key, value, `expected ${what}`);
    }
    return value;
}

export function oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
        throw new ConfigError(key, value, `allowed: ${allowed.join(", ")}`);
    }
    return value as T;
}

export function integer(key: string, value: unknown, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new ConfigError(key, value, `expected a whole number from ${min} to ${max}`);
    }
    return value;
}

export function boolean(key: string, value: unknown): boolean {
    if (typeof value !== "boolean") throw new ConfigError(key, value, "expected true or false");
    return value;
}

/** A list of distinct strings that each match `pattern`. */
export function stringList(key: string, value: unknown, pattern: RegExp, what: string): string[] {
    if (!Array.isArray(value)) throw new ConfigError(key, value, `expected a list of ${what}`);
    value.forEach((item, i) => string(`${key}[${i}]`, item, pattern, what));
    const seen = new Set<string>();
    for (const item of value as string[]) {
        if (seen.has(item)) throw new ConfigError(key, value, `expected distinct entries; ${show(item)} is listed twice`);
        seen.add(item);
    }
    return value as string[];
}

/** RFC 1123 DNS subdomain: what Kubernetes allows for node names and what TLS and DNS accept as hosts. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 1123 DNS label: namespaces, Service and IngressClass names. */
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
