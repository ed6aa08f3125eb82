import type { TokenCredential } from '@azure/identity';

/**
 * What a command touches outside itself: stdout for results, stderr for errors, and the Entra ID
 * credential `--auth entra` takes tokens from. Injected so the program is testable.
 */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Made only when a command runs with `--auth entra`. */
  readonly credential: () => Promise<TokenCredential>;
}

export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  // Loaded on first use: @azure/identity adds ~150 ms to every start, and key auth never needs it.
  credential: async () => {
    const { DefaultAzureCredential } = await import('@azure/identity');
    return new DefaultAzureCredential();
  },
};
