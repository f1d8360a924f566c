// Placeholder entry point: the real thin adapter replaces this (owned by the core domain work).
export async function handler(): Promise<never> {
  throw new Error('not implemented yet');
}
