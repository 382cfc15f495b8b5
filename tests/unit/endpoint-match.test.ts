import { describe, expect, it } from 'vitest';
import {
  compileEndpointRules,
  decideEndpoint,
  decisionVariesByMethod,
  endpointDecision,
  matchesEndpoint,
} from '../../shared/policy/endpoint-match';
import type { EndpointPattern } from '../../shared/policy/policy-types';

function pattern(source: string): EndpointPattern {
  const [method = '', path = ''] = source.split(' ');
  return { method: method.toUpperCase(), path, source };
}

const GITHUB_BLOCKED = ['DELETE /repos/*', 'PUT /repos/*/admin/*', 'DELETE /orgs/*'].map(pattern);

describe('matchesEndpoint', () => {
  it.each<[string, string, string, boolean]>([
    ['DELETE /repos/*', 'DELETE', '/repos/o/r', true],
    ['DELETE /repos/*', 'delete', '/repos/o/r', true],
    ['DELETE /repos/*', 'Delete', '/repos/o', true],
    ['DELETE /repos/*', 'GET', '/repos/o/r', false],
    ['DELETE /repos/*', 'DELETE', '/repos/', false],
    ['DELETE /repos/*', 'DELETE', '/repos', false],
    ['DELETE /repos/*', 'DELETE', '/Repos/o/r', false],
    ['DELETE /repos/*', 'DELETE', '/user/repos/o', false],
    ['PUT /repos/*/admin/*', 'PUT', '/repos/o/r/admin/x', true],
    ['PUT /repos/*/admin/*', 'PUT', '/repos/o/r/branches/main/protection/admin/enforce', true],
    ['PUT /repos/*/admin/*', 'PUT', '/repos//admin/x', false],
    ['PUT /repos/*/admin/*', 'PUT', '/repos/o/r/admin/', false],
    ['PUT /repos/*/admin/*', 'PUT', '/repos/admin/x', false],
    ['* /v1/files/*', 'GET', '/v1/files/f-1', true],
    ['* /v1/files/*', 'DELETE', '/v1/files/f-1', true],
    ['* /v1/files/*', 'PATCH', '/v1/files', false],
    ['GET /v1/models', 'GET', '/v1/models', true],
    ['GET /v1/models', 'GET', '/v1/models/', false],
    ['GET /v1/models', 'GET', '/v1/models/gpt-4o', false],
    ['GET /v1/models', 'GET', '/v1/Models', false],
    ['POST /*/completions', 'POST', '/v1/chat/completions', true],
    ['POST /*/completions', 'POST', '/completions', false],
    ['POST /*/completions', 'POST', '/v1/completions/x', false],
    ['GET /*', 'GET', '/', false],
    ['GET /*', 'GET', '/a', true],
    ['GET /a*b', 'GET', '/ab', false],
    ['GET /a*b', 'GET', '/axb', true],
    ['GET /a*b', 'GET', '/a/b/b', true],
  ])('%s vs %s %s → %s', (source, method, path, expected) => {
    expect(matchesEndpoint(pattern(source), method, path)).toBe(expected);
  });

  it('treats every character but "*" literally, regular-expression syntax included', () => {
    const literal = pattern('GET /v1/file.json');
    expect(matchesEndpoint(literal, 'GET', '/v1/file.json')).toBe(true);
    expect(matchesEndpoint(literal, 'GET', '/v1/fileXjson')).toBe(false);
    const specials = pattern('GET /a+b(c)$[d]{2}|e^f?g\\h');
    expect(matchesEndpoint(specials, 'GET', '/a+b(c)$[d]{2}|e^f?g\\h')).toBe(true);
    expect(matchesEndpoint(specials, 'GET', '/aab(c)$[d]{2}|e^f?g\\h')).toBe(false);
    expect(matchesEndpoint(pattern('GET /x.*'), 'GET', '/xyz')).toBe(false);
    expect(matchesEndpoint(pattern('GET /x.*'), 'GET', '/x.z')).toBe(true);
  });

  it('agrees with a plain backtracking matcher on thousands of generated paths', () => {
    const sources = ['/a*', '/*b', '/a*b', '/*/a/*', '/a**b', '/*a*a*', '/ab*ba*ab', '/*/*/*'];
    const alphabet = ['a', 'b', '/'];
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let matched = 0;
    for (const path of sources) {
      const reference = new RegExp(`^${path.split('*').join('.+')}$`);
      for (let round = 0; round < 1500; round++) {
        const length = 1 + Math.floor(random() * 9);
        let candidate = '/';
        for (let at = 0; at < length; at++) candidate += alphabet[Math.floor(random() * alphabet.length)];
        const expected = reference.test(candidate);
        if (expected) matched++;
        expect(matchesEndpoint({ method: '*', path, source: `* ${path}` }, 'GET', candidate), `${path} vs ${candidate}`).toBe(expected);
      }
    }
    expect(matched).toBeGreaterThan(1000);
  });

  it('stays fast on a path crafted to make a backtracking matcher explode', () => {
    const hostile = pattern('GET /*a*a*a*a*a*a*a*a*c');
    const path = `/${'a'.repeat(8000)}`;
    const started = performance.now();
    expect(matchesEndpoint(hostile, 'GET', path)).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('endpointDecision', () => {
  it('blocks what a blocked pattern matches and names the rule', () => {
    const rules = { blockedEndpoints: GITHUB_BLOCKED, allowedEndpoints: null };
    expect(endpointDecision(rules, 'DELETE', '/repos/o/r')).toEqual({ allowed: false, reason: 'blocked', rule: 'DELETE /repos/*' });
    expect(endpointDecision(rules, 'PUT', '/repos/o/r/admin/x')).toEqual({ allowed: false, reason: 'blocked', rule: 'PUT /repos/*/admin/*' });
    expect(endpointDecision(rules, 'delete', '/orgs/acme')).toEqual({ allowed: false, reason: 'blocked', rule: 'DELETE /orgs/*' });
  });

  it('lets everything else through when there is no allow-list', () => {
    const rules = { blockedEndpoints: GITHUB_BLOCKED, allowedEndpoints: null };
    expect(endpointDecision(rules, 'GET', '/repos/o/r')).toEqual({ allowed: true });
    expect(endpointDecision(rules, 'POST', '/repos/o/r/issues')).toEqual({ allowed: true });
    expect(endpointDecision({ blockedEndpoints: [], allowedEndpoints: null }, 'DELETE', '/anything')).toEqual({ allowed: true });
  });

  it('denies by default when an allow-list is present', () => {
    const rules = { blockedEndpoints: [], allowedEndpoints: [pattern('GET /repos/*'), pattern('POST /repos/*/issues')] };
    expect(endpointDecision(rules, 'GET', '/repos/o/r')).toEqual({ allowed: true });
    expect(endpointDecision(rules, 'POST', '/repos/o/r/issues')).toEqual({ allowed: true });
    expect(endpointDecision(rules, 'POST', '/repos/o/r/pulls')).toEqual({ allowed: false, reason: 'not_allowed' });
    expect(endpointDecision(rules, 'GET', '/user')).toEqual({ allowed: false, reason: 'not_allowed' });
  });

  it('denies everything with an empty allow-list', () => {
    expect(endpointDecision({ blockedEndpoints: [], allowedEndpoints: [] }, 'GET', '/')).toEqual({ allowed: false, reason: 'not_allowed' });
  });

  it('lets a blocked pattern win over an allowed one', () => {
    const rules = { blockedEndpoints: [pattern('DELETE /repos/*')], allowedEndpoints: [pattern('* /repos/*')] };
    expect(endpointDecision(rules, 'DELETE', '/repos/o/r')).toEqual({ allowed: false, reason: 'blocked', rule: 'DELETE /repos/*' });
    expect(endpointDecision(rules, 'GET', '/repos/o/r')).toEqual({ allowed: true });
  });

  it('decides the same with rules compiled once and reused', () => {
    const lists = { blockedEndpoints: GITHUB_BLOCKED, allowedEndpoints: [pattern('* /repos/*'), pattern('GET /user')] };
    const compiled = compileEndpointRules(lists);
    const requests: [string, string][] = [
      ['DELETE', '/repos/o/r'],
      ['GET', '/repos/o/r'],
      ['GET', '/user'],
      ['GET', '/users/x'],
      ['PUT', '/repos/o/r/admin/y'],
    ];
    for (const [method, path] of requests) {
      expect(decideEndpoint(compiled, method, path)).toEqual(endpointDecision(lists, method, path));
    }
    expect(decideEndpoint(compiled, 'GET', '/users/x')).toEqual({ allowed: false, reason: 'not_allowed' });
  });
});

describe('decisionVariesByMethod', () => {
  const varies = (blocked: string[], allowed: string[] | null, path: string) =>
    decisionVariesByMethod(compileEndpointRules({ blockedEndpoints: blocked.map(pattern), allowedEndpoints: allowed?.map(pattern) ?? null }), 'POST', path);

  it('says yes where another method than POST is judged otherwise', () => {
    expect(varies(['DELETE /repos/*'], null, '/repos/o/r')).toBe(true);
    expect(varies(['DELETE /repos/*'], null, '/Repos/o/r/')).toBe(true);
    expect(varies([], ['POST /repos/*'], '/repos/o/r')).toBe(true);
    expect(varies([], ['POST /repos/*', 'GET /repos/*'], '/repos/o/r')).toBe(true);
    expect(varies(['GET /secret'], null, '/secret')).toBe(true);
  });

  it('says no where every method gets the same verdict', () => {
    expect(varies([], null, '/v1/files')).toBe(false);
    expect(varies(['DELETE /repos/*'], null, '/v1/files')).toBe(false);
    expect(varies(['* /admin/*'], null, '/v1/files')).toBe(false);
    expect(varies([], ['* /repos/*'], '/repos/o/r')).toBe(false);
  });
});
