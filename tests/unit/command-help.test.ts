import { describe, expect, it } from 'vitest';
import { helpFor, USAGE, wantsHelp } from '../../native-host/src/cli/command-help';

const COMMANDS = ['install', 'uninstall', 'doctor', 'vault init', 'vault add', 'vault list', 'vault remove', 'vault passwd', 'agent create', 'agent list', 'agent remove', 'agent disable', 'agent enable', 'serve'];

describe('keygate-host help', () => {
  it('lists every command in the full usage', () => {
    for (const command of COMMANDS) expect(USAGE).toContain(`keygate-host ${command}`);
  });

  it('gives each command its own usage line and explanation', () => {
    for (const command of COMMANDS) {
      const help = helpFor(command.split(' '));
      expect(help.startsWith(`Usage: keygate-host ${command}`), command).toBe(true);
      expect(help.split('\n').length, command).toBeGreaterThan(2);
    }
  });

  it('answers a group with its commands only, and anything unknown with the full usage', () => {
    const vault = helpFor(['vault']);
    expect(vault).toContain('keygate-host vault passwd');
    expect(vault).not.toContain('keygate-host agent');
    expect(helpFor(['frobnicate'])).toBe(USAGE);
  });

  it('ignores options before --help when choosing the command', () => {
    expect(helpFor(['serve', '--vault', 'vault.json', '--help']).startsWith('Usage: keygate-host serve')).toBe(true);
    expect(helpFor(['vault', 'add', '--file', 'v.json', '-h']).startsWith('Usage: keygate-host vault add')).toBe(true);
    expect(wantsHelp(['--file', 'x', '-h'])).toBe(true);
    expect(wantsHelp(['--file', 'help'])).toBe(false);
  });
});
