// A script's command line as a function: it prints through an `io` and resolves to its exit code,
// so tests run it in their own process; run as a script, it prints to the terminal and exits.
export interface CommandIO {
    out: (line: string) => void;
    err: (message: unknown) => void;
}

export const TERMINAL: CommandIO = { out: (line) => console.log(line), err: (message) => console.error(message) };

/** Runs `command` with the process's arguments; exits with its code unless 0 (then the process ends when its work does). */
export function runAsProcess(command: (args: string[]) => Promise<number>): void {
    command(process.argv.slice(2)).then((code) => {
        if (code !== 0) process.exit(code);
    });
}
