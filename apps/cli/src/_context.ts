import type { OptionValue } from "./_args.js";
import type { DotForeman } from "./_dotforeman.js";
import type { MainIo } from "./main.js";

/** What every command receives: the parsed command line merged over `.foreman`. */
export interface CommandContext {
  io: MainIo;
  options: Record<string, OptionValue>;
  positionals: string[];
  dotForeman: DotForeman | undefined;
}
