import { describe, expect, it } from 'vitest';
import { parseEndpointPattern } from '../../shared/policy/endpoint-pattern';

describe('parseEndpointPattern', () => {
  it('reads the method and path of a blocked-endpoint rule', () => {
    expect(parseEndpointPattern('DELETE /repos/*')).toEqual({ method: 'DELETE', path: '/repos/*', source: 'DELETE /repos/*' });
    expect(parseEndpointPattern('PUT /repos/*/admin/*')).toEqual({
      method: 'PUT',
      path: '/repos/*/admin/*',
      source: 'PUT /repos/*/admin/*',
    });
  });

  it('upper-cases the method but keeps the pattern as written for audit lines', () => {
    expect(parseEndpointPattern('get /v1/models')).toEqual({ method: 'GET', path: '/v1/models', source: 'get /v1/models' });
  });

  it('accepts * as any method, the root path and the URL path characters APIs use', () => {
    expect(parseEndpointPattern('* /admin/*')).toEqual({ method: '*', path: '/admin/*', source: '* /admin/*' });
    expect(parseEndpointPattern('OPTIONS /')).toEqual({ method: 'OPTIONS', path: '/', source: 'OPTIONS /' });
    expect(parseEndpointPattern("PATCH /v1/files/a.b_c~d-e:f@g!$&'()+,=")).toMatchObject({
      method: 'PATCH',
      path: "/v1/files/a.b_c~d-e:f@g!$&'()+,=",
    });
  });

  it.each([
    ['FETCH repos', '"FETCH" is not an HTTP method Keygate forwards; use GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS or *'],
    ['DELTE /repos/*', '"DELTE" is not an HTTP method Keygate forwards; use GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS or *'],
    ['GET repos/x', 'the path must start with "/"'],
    ['GET *', 'the path must start with "/"'],
    ['/repos/*', 'expected "METHOD /path" with one space between them, e.g. "DELETE /repos/*"'],
    ['', 'expected "METHOD /path" with one space between them, e.g. "DELETE /repos/*"'],
    ['GET  /x', 'expected "METHOD /path" with one space between them, e.g. "DELETE /repos/*"'],
    [' GET /x', 'expected "METHOD /path" with one space between them, e.g. "DELETE /repos/*"'],
    ['GET /x /y', 'expected "METHOD /path" with one space between them, e.g. "DELETE /repos/*"'],
    ['GET /v1/models?limit=1', 'patterns match the path only; remove the query string or fragment'],
    ['GET /docs#top', 'patterns match the path only; remove the query string or fragment'],
    ['DELETE /repos/%2e%2e', 'percent-encoded characters are not supported; use * in their place'],
    ['GET /a\\b', 'the path holds characters a URL path cannot carry (spaces, quotes, "\\", …)'],
    ['GET /a"b', 'the path holds characters a URL path cannot carry (spaces, quotes, "\\", …)'],
    ['DELETE /repos//x', 'the path must be canonical (no "//", "." or ".." segments): the proxy refuses such requests, so it could never match'],
    ['DELETE /repos/../orgs', 'the path must be canonical (no "//", "." or ".." segments): the proxy refuses such requests, so it could never match'],
    ['DELETE /repos/.', 'the path must be canonical (no "//", "." or ".." segments): the proxy refuses such requests, so it could never match'],
    ['DELETE /repos/**', 'use a single "*": it already matches across "/"'],
    [`GET /${'a'.repeat(500)}`, 'a pattern may be at most 500 characters'],
  ])('refuses %j', (text, message) => {
    expect(parseEndpointPattern(text)).toBe(message);
  });

  it('keeps dots that are part of a segment name', () => {
    expect(parseEndpointPattern('GET /.well-known/openid')).toMatchObject({ path: '/.well-known/openid' });
    expect(parseEndpointPattern('GET /v1/..x')).toMatchObject({ path: '/v1/..x' });
  });
});

describe('patterns the proxy could never match', () => {
  it('refuses ";" in a path, since the proxy refuses such requests as non-canonical', () => {
    expect(parseEndpointPattern('DELETE /repos/*;x')).toEqual(expect.stringContaining('characters a URL path cannot carry'));
  });
});
