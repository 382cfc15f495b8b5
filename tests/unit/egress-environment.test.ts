import { describe, expect, it } from 'vitest';
import { egressFromEnvironment } from '../../native-host/src/upstream/egress-environment';

describe('egressFromEnvironment', () => {
  it('finds nothing when no proxy variable is set (or only NO_PROXY, or blank ones)', () => {
    expect(egressFromEnvironment({})).toEqual({ kind: 'none' });
    expect(egressFromEnvironment({ NO_PROXY: 'localhost', HTTPS_PROXY: '  ' })).toEqual({ kind: 'none' });
  });

  it('reads both proxies and NO_PROXY, the lower-case spelling winning as in curl', () => {
    expect(
      egressFromEnvironment({ HTTPS_PROXY: 'http://upper.example:3128', https_proxy: 'http://lower.example:3128', HTTP_PROXY: 'http://plain.example:8080', no_proxy: '.internal,10.0.0.1' }),
    ).toEqual({ kind: 'proxies', settings: { httpProxy: 'http://plain.example:8080', httpsProxy: 'http://lower.example:3128', noProxy: '.internal,10.0.0.1' } });
  });

  it('leaves unset ones empty rather than absent, so nothing falls back to another environment', () => {
    expect(egressFromEnvironment({ HTTPS_PROXY: 'https://proxy.example:443' })).toEqual({ kind: 'proxies', settings: { httpProxy: '', httpsProxy: 'https://proxy.example:443', noProxy: '' } });
  });

  it('calls a set but unusable proxy a problem, naming the variable and never the URL (it may hold a password)', () => {
    const socks = egressFromEnvironment({ HTTPS_PROXY: 'socks5://user:pw-FAKE@127.0.0.1:1080' });
    expect(socks).toMatchObject({ kind: 'unusable', problem: expect.stringContaining('HTTPS_PROXY uses socks5://') });
    expect(JSON.stringify(socks)).not.toContain('pw-FAKE');
    expect(egressFromEnvironment({ http_proxy: 'proxy.example:3128' })).toMatchObject({ kind: 'unusable', problem: expect.stringContaining('http_proxy') });
    expect(egressFromEnvironment({ HTTP_PROXY: 'not a url' })).toEqual({ kind: 'unusable', problem: 'HTTP_PROXY is not a URL.' });
  });
});
