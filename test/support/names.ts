import { randomBytes } from 'node:crypto';

/** A name no other test (or earlier run against the same stack) uses: topics, groups, databases. */
export const uniqueName = (prefix: string): string => `${prefix}_${randomBytes(4).toString('hex')}`;
