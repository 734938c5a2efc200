import type { Output } from './output.js';

/** One `mlops <group> <verb>` command. */
export interface Command {
  /** e.g. `runs list`. */
  name: string;
  summary: string;
  /** Usage line and the command's own options. */
  help: string;
  run(argv: string[], o: Output): Promise<number | void>;
}
