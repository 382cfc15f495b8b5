import { describe, expect, it } from 'vitest';
import { bodyMayOverrideMethod, bodyMethodOverrideProblem } from '../../native-host/src/proxy/body-method-override';

const FORM = 'application/x-www-form-urlencoded';

function problem(contentType: string | undefined, body: string | Buffer, more: Record<string, string> = {}): string | null {
  const headers = contentType === undefined ? more : { 'content-type': contentType, ...more };
  return bodyMethodOverrideProblem(headers, typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
}

function multipart(partHeaders: string, boundary = 'XyZ'): string {
  return `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello\r\n--${boundary}\r\n${partHeaders}\r\n\r\nDELETE\r\n--${boundary}--\r\n`;
}

describe('which requests have their body checked', () => {
  it.each([FORM, 'Application/X-WWW-Form-URLencoded; charset=ISO-8859-1', `${FORM},text/plain`, `${FORM} junk`, 'multipart/form-data; boundary=x', 'multipart/mixed; boundary=x', 'multipart/related; boundary=x', 'application/json', 'application/vnd.api+json', ''])(
    'a POST typed %j',
    (type) => {
      expect(bodyMayOverrideMethod('POST', { 'content-type': type })).toBe(true);
    },
  );

  it('a POST with no Content-Type (Rack reads it as a form), and one with the type sent twice', () => {
    expect(bodyMayOverrideMethod('POST', {})).toBe(true);
    expect(bodyMayOverrideMethod('post', { 'content-type': ['text/plain', FORM] })).toBe(true);
  });

  it.each(['text/plain', 'application/octet-stream', 'audio/mpeg', 'text/x-www-form-urlencoded'])('not a POST typed %j: no framework parses it as a form', (type) => {
    expect(bodyMayOverrideMethod('POST', { 'content-type': type })).toBe(false);
  });

  it.each(['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'])('not a %s: frameworks override POST only', (method) => {
    expect(bodyMayOverrideMethod(method, { 'content-type': FORM })).toBe(false);
  });
});

describe('urlencoded bodies', () => {
  it.each([
    '_method=DELETE',
    'title=x&_method=delete',
    '_METHOD=PUT',
    '%5Fmethod=DELETE',
    '%5fMeThOd=DELETE',
    '_method[]=DELETE',
    '_method%5B%5D=DELETE',
    '_method[a]=DELETE',
    '.method=DELETE',
    '+method=DELETE',
    '%20method=DELETE',
    '[method=DELETE',
    '%2Emethod=DELETE',
    'a=1;_method=DELETE',
    'a=1&+_method=DELETE',
    '_method%00x=DELETE',
    '_method',
    'a=1&_method=',
  ])('refuses %j', (body) => {
    expect(problem(FORM, body)).toMatch(/form body/);
  });

  it.each([FORM, `${FORM}; charset=utf-8`, 'APPLICATION/X-WWW-FORM-URLENCODED;charset="ISO-8859-1"', `${FORM}, text/plain`, `${FORM} ; q=1`])('refuses it typed %j', (type) => {
    expect(problem(type, 'a=1&_method=DELETE')).not.toBeNull();
  });

  it('refuses it with no Content-Type at all (Rack reads such a POST as a form)', () => {
    expect(problem(undefined, 'a=1&_method=DELETE')).toMatch(/form body/);
    expect(problem('', 'a=1&_method=DELETE')).toMatch(/form body/);
  });

  it('refuses it when a UTF-16 label hides plain ASCII bytes (PHP and Rack ignore the charset)', () => {
    expect(problem(`${FORM}; charset=utf-16le`, '_method=DELETE')).not.toBeNull();
  });

  it.each(['method=flickr.photos.search', 'x_method=DELETE', '_methods=1', 'methodology=a', 'q=_method', 'note=_method%3DDELETE', 'a=1&b=%26_method%3DDELETE', ''])(
    'lets %j through',
    (body) => {
      expect(problem(FORM, body)).toBeNull();
    },
  );
});

describe('multipart bodies', () => {
  it.each([
    'Content-Disposition: form-data; name="_method"',
    'Content-Disposition: form-data; name=_method',
    'content-disposition: FORM-DATA;name="_METHOD"',
    'Content-Disposition: form-data; name="_method[]"',
    'Content-Disposition: form-data; name=".method"',
    'Content-Disposition: form-data; name="_\\method"',
    'Content-Disposition: form-data; name*=UTF-8\'\'%5Fmethod',
    'Content-Disposition: form-data; name*="utf-8\'en\'_method"',
    'Content-Disposition: form-data; name*0="_me"; name*1="thod"',
    'Content-Disposition: form-data; name*0*=UTF-8\'\'%5Fme; name*1*=thod',
    'Content-Disposition: form-data;\r\n name="_method"',
    'Content-Type: text/plain\r\nContent-Disposition: form-data; name="_method"',
    'Content-ID: _method',
    'Content-ID: <_method>',
    'Content-ID:\r\n _method',
    'Content-Disposition: form-data\n\n; name="_method"',
  ])('refuses a part with %j', (headers) => {
    expect(problem('multipart/form-data; boundary=XyZ', multipart(headers))).toMatch(/multipart/);
  });

  it('refuses it whatever boundary the Content-Type names, and with bare LF line ends', () => {
    expect(problem('multipart/form-data; boundary=other', multipart('Content-Disposition: form-data; name="_method"'))).not.toBeNull();
    expect(problem('multipart/form-data', multipart('Content-Disposition: form-data; name="_method"'))).not.toBeNull();
    expect(problem('multipart/form-data; boundary=b', '--b\nContent-Disposition: form-data; name=_method\n\nDELETE\n--b--\n')).not.toBeNull();
    expect(problem('multipart/mixed; boundary=XyZ', multipart('Content-Disposition: form-data; name="_method"'))).not.toBeNull();
  });

  it.each([
    'Content-Disposition: form-data; name="method"',
    'Content-Disposition: form-data; name="x_method"',
    'Content-Disposition: form-data; name="file"; filename="_method"',
    'Content-Disposition: form-data; name="upload"; filename="notes.txt"',
    'Content-ID: <part1@example.com>',
  ])('lets a part with %j through', (headers) => {
    expect(problem('multipart/form-data; boundary=XyZ', multipart(headers))).toBeNull();
  });

  it('lets a file whose contents mention _method through', () => {
    const body = '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n_method=DELETE\r\nname="_method"\r\n--XyZ--\r\n';
    expect(problem('multipart/form-data; boundary=XyZ', body)).toBeNull();
  });
});

describe('JSON bodies (Laravel takes their top-level fields as the form)', () => {
  it.each(['{"_method":"DELETE"}', '{"a":1,"_method":"PUT"}', '{"\\u005fmethod":"DELETE"}', '\ufeff{"_method":"DELETE"}'])('refuses %j', (body) => {
    expect(problem('application/json', body)).toMatch(/JSON/);
  });

  it('refuses it for any +json type, and in UTF-16 when the label says so (body-parser decodes it)', () => {
    expect(problem('application/vnd.api+json', '{"_method":"DELETE"}')).not.toBeNull();
    expect(problem('application/json; charset=utf-16le', Buffer.from('{"_method":"DELETE"}', 'utf16le'))).not.toBeNull();
  });

  it.each(['{"prompt":"send _method=DELETE"}', '{"messages":[{"_method":"DELETE"}]}', '{"options":{"_method":"DELETE"}}', '["_method"]', '{"method":"DELETE"}', 'not json _method'])(
    'lets %j through',
    (body) => {
      expect(problem('application/json', body)).toBeNull();
    },
  );
});

describe('bodies Keygate cannot read', () => {
  it('refuses a content-coded body of a type a framework parses (body-parser inflates it)', () => {
    expect(problem(FORM, 'anything', { 'content-encoding': 'gzip' })).toMatch(/content-coded/);
  });

  it('refuses a JSON body in a charset it cannot decode (body-parser decodes utf-7)', () => {
    expect(problem('application/json; charset=utf-7', '{"+AF8-method":"DELETE"}')).toMatch(/charset/);
  });

  it('reads an identity coding as no coding', () => {
    expect(problem(FORM, 'a=1', { 'content-encoding': 'identity' })).toBeNull();
  });
});
