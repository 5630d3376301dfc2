// The option tables as commander's options: the one module of the tables that knows commander, so
// the questions' bundle (prompts.cjs), which reads the tables' parsers, does not carry it.
import { type Command, Option } from 'commander';

import type { OptionSpec, OptionTable } from './options.js';

/** One option as commander's Option. */
export function toOption(spec: OptionSpec<unknown>): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.choices) option.choices([...spec.choices]);
  if (spec.parse) option.argParser(spec.parse as (text: string, previous: unknown) => unknown);
  if (spec.conflicts) option.conflicts(spec.conflicts);
  if (spec.defaultValue !== undefined) option.default(spec.defaultValue);
  return option;
}

/** Adds a table's options to a command, in the table's order. */
export function addOptions(cmd: Command, table: OptionTable): Command {
  for (const spec of Object.values(table)) {
    cmd.addOption(toOption(spec));
    if (spec.negation) cmd.addOption(new Option(spec.flags.replace(/^--/, '--no-'), spec.negation));
  }
  return cmd;
}
