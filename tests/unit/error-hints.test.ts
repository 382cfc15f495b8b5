/**
 * Every catalogue code speaks to the agent and to a person, and no hint sends a reader to a control
 * that their mode does not have: headless has no popup or options page, the browser has no serve.
 */
import { describe, expect, it } from 'vitest';
import { agentHint, HEADLESS_AGENT_HINTS, personHint } from '../../shared/error-hints';
import { type ErrorCode, ERRORS } from '../../shared/errors';

const CODES = Object.keys(ERRORS) as ErrorCode[];

/** Controls only the browser has. */
const BROWSER_ONLY = /popup|options|toolbar|Sites & extensions|Options →/i;
/** Controls only headless mode has (installing and diagnosing the host is a browser-mode step too). */
const HEADLESS_ONLY = /keygate-host (serve|vault|agent)|\bserve\b|SIGHUP|--port|--data-dir|KEYGATE_PASSWORD|policy file|operator/i;

describe('hints per audience', () => {
  it('gives every code an agent hint and a person hint for each mode', () => {
    for (const code of CODES) {
      for (const mode of ['browser', 'headless'] as const) {
        expect(agentHint(code, mode).length, `${code} agent ${mode}`).toBeGreaterThan(10);
        expect(personHint(code, mode).length, `${code} person ${mode}`).toBeGreaterThan(10);
      }
    }
  });

  it('never names a browser control in headless mode', () => {
    for (const code of CODES) {
      expect(personHint(code, 'headless'), code).not.toMatch(BROWSER_ONLY);
      expect(agentHint(code, 'headless'), code).not.toMatch(BROWSER_ONLY);
    }
  });

  it('never names a headless control in browser mode', () => {
    for (const code of CODES) {
      expect(personHint(code, 'browser'), code).not.toMatch(HEADLESS_ONLY);
      expect(agentHint(code, 'browser'), code).not.toMatch(HEADLESS_ONLY);
    }
  });

  it('speaks to a person, not about "the user", in the person hints', () => {
    for (const code of CODES) {
      for (const mode of ['browser', 'headless'] as const) expect(personHint(code, mode), `${code} ${mode}`).not.toMatch(/ask the user|the user must/i);
    }
  });

  it('overrides only hints that exist, each for a reason the catalogue hint would mislead', () => {
    for (const code of Object.keys(HEADLESS_AGENT_HINTS) as ErrorCode[]) expect(ERRORS[code].hint, code).toMatch(BROWSER_ONLY);
  });
});
