// Registry of the sub-commands. Each feature adds its command module here.
import type { Command } from 'commander';
import { register as run } from './run.js';
import { register as selftest } from './selftest.js';
import { register as kernels } from './kernels.js';
import { register as calls } from './calls.js';
import { register as arch } from './arch.js';
import { register as litmus } from './litmus.js';

export type SetExitCode = (code: number) => void;
export type CommandModule = (program: Command, setExitCode: SetExitCode) => void;

const modules: CommandModule[] = [run, kernels, calls, arch, litmus, selftest];

export function registerCommands(program: Command, setExitCode: SetExitCode): void {
  for (const register of modules) register(program, setExitCode);
}
