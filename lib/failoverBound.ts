// How long clients may lose an entry point after a node fails, stated with its derivation so that
// an operator (and the failover lab, which fails when a measured outage exceeds it) can check it.

/** One term of a bound: what takes the time, and the worst case it takes. */
export interface BoundTerm {
    what: string;
    seconds: number;
}

export interface FailoverBound {
    /** The worst case, the sum of the terms. */
    seconds: number;
    /** The terms, in the order they happen. */
    terms: BoundTerm[];
    /** The terms as one line, e.g. "BFD 3 × 100 ms (0.3 s) + route installation (0.2 s) = 0.5 s". */
    derivation: string;
}

export function failoverBound(terms: BoundTerm[]): FailoverBound {
    const seconds = Number(terms.reduce((sum, term) => sum + term.seconds, 0).toFixed(3));
    const derivation = `${terms.map((term) => `${term.what} (${formatSeconds(term.seconds)})`).join(" + ")} = ${formatSeconds(seconds)}`;
    return { seconds, terms, derivation };
}

export function formatSeconds(seconds: number): string {
    return `${Number(seconds.toFixed(3))} s`;
}
