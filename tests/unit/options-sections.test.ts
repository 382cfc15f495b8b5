import { describe, expect, it } from 'vitest';
import { sectionFromHash } from '../../lib/ui/options/options-sections';

describe('the options section a URL hash opens', () => {
  it('opens the named section, Overview for anything else', () => {
    expect(sectionFromHash('#agents')).toBe('agents');
    expect(sectionFromHash('#sites')).toBe('sites');
    expect(sectionFromHash('')).toBe('overview');
    expect(sectionFromHash('#nothing')).toBe('overview');
  });

  it('opens Sites & extensions for the popup’s “Review and grant…” link (#grant=extension:ID)', () => {
    expect(sectionFromHash('#grant=extension:abcdefghijklmnopabcdefghijklmnop')).toBe('sites');
    expect(sectionFromHash('#grant=site:https%3A%2F%2Fapp.example')).toBe('sites');
  });
});
