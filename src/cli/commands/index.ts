// Registry of the sub-commands. Each feature adds its command module here.
import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as selftest } from './selftest.js';

export type SetExitCode = (code: number) => void;
export type CommandModule = (program: Command, setExitCode: SetExitCode) => void;

const modules: CommandModule[] = [run, selftest];

export function registerCommands(program: Command, setExitCode: SetExitCode): void {
  for (const register of modules) register(program, setExitCode);
}
