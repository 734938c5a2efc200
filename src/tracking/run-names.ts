import { randomInt } from 'node:crypto';

// MLflow names unnamed runs "adjective-noun-NNN"; people recognise runs by these names in the UI.
const ADJECTIVES = ['amber', 'bold', 'brisk', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fast', 'gentle', 'keen', 'lucid', 'merry', 'nimble', 'quiet', 'rapid', 'sharp', 'steady', 'swift', 'vivid'];
const NOUNS = ['badger', 'bison', 'crane', 'falcon', 'fox', 'gull', 'hare', 'heron', 'ibis', 'lynx', 'mole', 'otter', 'owl', 'panda', 'raven', 'seal', 'shrike', 'stoat', 'tern', 'wren'];

export function generateRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
