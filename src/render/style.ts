// Colour: one chalk instance per run, with colour decided by the CLI (TTY, NO_COLOR, FORCE_COLOR,
// --no-color). With level 0 every helper returns the text untouched.
import { Chalk, type ChalkInstance } from 'chalk';

export interface RenderOptions {
  color: boolean;
  /** terminal width to fit tables into */
  width: number;
}

export interface Style {
  chalk: ChalkInstance;
  enabled: boolean;
  heading: (s: string) => string;
  good: (s: string) => string;
  bad: (s: string) => string;
  dim: (s: string) => string;
  accent: (s: string) => string;
}

export function createStyle(color: boolean): Style {
  const chalk = new Chalk({ level: color ? 1 : 0 });
  return {
    chalk,
    enabled: color,
    heading: (s) => chalk.bold(s),
    good: (s) => chalk.green(s),
    bad: (s) => chalk.red(s),
    dim: (s) => chalk.dim(s),
    accent: (s) => chalk.cyan(s),
  };
}
