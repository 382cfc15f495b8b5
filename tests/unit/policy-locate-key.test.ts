import { describe, expect, it } from 'vitest';
import { locateKey } from '../../shared/policy/locate-key';

const POLICY = `# Keygate policy
[proxy]  # the local listener
port = 8472

[services.openai]
rotation = "round_robin"
blocked_endpoints = [
  "DELETE /v1/files/*",
  # rate_limit = 1 is only a comment
]
rate_limit = 10

[ custom . "my-api" ]
"base_url" = "https://api.example.com"
'auth_header' = "X-Key"
auth_value_prefix = """
rate_limit = 99
"""
rate_limit = 5

[services]
anthropic.rotation = "on_first_failed"
binance = { environment = "testnet" }

[[custom.list]]
base_url = "https://list.example"
`;

describe('locateKey', () => {
  it('finds a key under its [table] header, whatever comment follows the header', () => {
    expect(locateKey(POLICY, ['proxy'], 'port')).toBe(3);
    expect(locateKey(POLICY, ['services', 'openai'], 'rotation')).toBe(6);
  });

  it('tells apart the same key in different tables', () => {
    expect(locateKey(POLICY, ['services', 'openai'], 'rate_limit')).toBe(11);
    expect(locateKey(POLICY, ['custom', 'my-api'], 'rate_limit')).toBe(19);
  });

  it('skips the inside of multi-line arrays and strings', () => {
    expect(locateKey(POLICY, ['services', 'openai'], 'blocked_endpoints')).toBe(7);
    expect(locateKey(POLICY, ['custom', 'my-api'], 'auth_value_prefix')).toBe(16);
  });

  it('reads quoted table names and quoted keys, with spaces around the dots', () => {
    expect(locateKey(POLICY, ['custom'], 'my-api')).toBe(13);
    expect(locateKey(POLICY, ['custom', 'my-api'], 'base_url')).toBe(14);
    expect(locateKey(POLICY, ['custom', 'my-api'], 'auth_header')).toBe(15);
  });

  it('finds dotted keys, inline tables and array-of-table headers', () => {
    expect(locateKey(POLICY, ['services', 'anthropic'], 'rotation')).toBe(22);
    expect(locateKey(POLICY, ['services'], 'anthropic')).toBe(22);
    expect(locateKey(POLICY, ['services', 'binance'], 'environment')).toBe(23);
    expect(locateKey(POLICY, ['custom'], 'list')).toBe(25);
    expect(locateKey(POLICY, ['custom', 'list'], 'base_url')).toBe(26);
  });

  it('points a missing key at its table, and gives null when neither is written', () => {
    expect(locateKey(POLICY, ['proxy'], 'idle_lock_minutes')).toBe(2);
    expect(locateKey(POLICY, ['nowhere'], 'port')).toBeNull();
    expect(locateKey('', ['proxy'], 'port')).toBeNull();
  });

  it('counts Windows line endings as one line break', () => {
    expect(locateKey('[proxy]\r\nport = 1\r\n\r\nidle_lock_minutes = 5\r\n', ['proxy'], 'idle_lock_minutes')).toBe(4);
  });
});
