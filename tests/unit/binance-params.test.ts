import { describe, expect, it } from 'vitest';
import { KeygateError } from '../../shared/errors';
import { encodeParams, parseAgentParams, withoutAgentSigning } from '../../native-host/src/binance/binance-params';

const FORM = 'application/x-www-form-urlencoded';
const NO_BODY = Buffer.alloc(0);
const form = (text: string) => Buffer.from(text, 'utf8');

/** Runs `fn`, expecting a KeygateError, and returns it for a closer look. */
function refusal(fn: () => unknown): KeygateError {
  try {
    fn();
  } catch (error) {
    if (error instanceof KeygateError) return error;
    throw error;
  }
  throw new Error('expected a KeygateError');
}

describe('parseAgentParams', () => {
  it('decodes the query string and a form body into one list, query first', () => {
    expect(parseAgentParams('symbol=BTCUSDT&side=BUY', form('type=MARKET&quantity=0.001'), FORM)).toEqual([
      ['symbol', 'BTCUSDT'],
      ['side', 'BUY'],
      ['type', 'MARKET'],
      ['quantity', '0.001'],
    ]);
  });

  it('accepts a leading "?", empty pieces and a name without "="', () => {
    expect(parseAgentParams('?symbol=BTCUSDT&&flag', NO_BODY, undefined)).toEqual([
      ['symbol', 'BTCUSDT'],
      ['flag', ''],
    ]);
  });

  it('decodes percent-escapes as UTF-8 and "+" as a space', () => {
    expect(
      parseAgentParams('symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&note=a+b%2Bc%20d', NO_BODY, undefined),
    ).toEqual([
      ['symbol', '１２３４５６'],
      ['note', 'a b+c d'],
    ]);
    expect(parseAgentParams('symbols=["BTCUSDT","BNBUSDT"]', NO_BODY, undefined)).toEqual([['symbols', '["BTCUSDT","BNBUSDT"]']]);
  });

  it('accepts an empty body whatever its content type, and a form body with charset=utf-8', () => {
    expect(parseAgentParams('symbol=BTCUSDT', NO_BODY, 'application/json')).toEqual([['symbol', 'BTCUSDT']]);
    expect(parseAgentParams('', form('symbol=BTCUSDT'), 'Application/X-WWW-Form-Urlencoded; charset=UTF-8')).toEqual([
      ['symbol', 'BTCUSDT'],
    ]);
  });

  it('refuses a non-empty body that is not a UTF-8 form', () => {
    for (const contentType of [undefined, 'application/json', 'multipart/form-data; boundary=x', `${FORM}; charset=latin1`]) {
      expect(refusal(() => parseAgentParams('', form('{"symbol":"BTCUSDT"}'), contentType)).code).toBe('BINANCE_REQUEST_INVALID');
    }
    expect(refusal(() => parseAgentParams('', Buffer.from([0x73, 0x3d, 0xff]), FORM)).message).toMatch(/not UTF-8/);
  });

  it('refuses malformed percent-encoding and bytes that are not UTF-8', () => {
    for (const query of ['price=10%', 'price=10%2', 'price=%G1', 'symbol=%FF', 'symbol=%ED%A0%80', '%zz=1']) {
      expect(refusal(() => parseAgentParams(query, NO_BODY, undefined)).code).toBe('BINANCE_REQUEST_INVALID');
    }
    expect(refusal(() => parseAgentParams('', form('price=1%'), FORM)).message).toMatch(/body/);
  });

  it('refuses raw spaces, control and non-ASCII characters (they must arrive percent-encoded)', () => {
    for (const query of ['symbol=BTC USDT', 'symbol=１２３', 'symbol=BTC\tUSDT']) {
      expect(refusal(() => parseAgentParams(query, NO_BODY, undefined)).code).toBe('BINANCE_REQUEST_INVALID');
    }
  });

  it('refuses a parameter without a name', () => {
    expect(refusal(() => parseAgentParams('=BTCUSDT', NO_BODY, undefined)).code).toBe('BINANCE_REQUEST_INVALID');
  });

  describe('duplicates', () => {
    const duplicate = (query: string, body = '') => refusal(() => parseAgentParams(query, form(body), FORM));

    it('refuses a name twice in the query string', () => {
      const error = duplicate('symbol=BTCUSDT&quantity=1&symbol=ETHUSDT');
      expect(error.code).toBe('BINANCE_PARAMETER_DUPLICATE');
      expect(error.message).toContain('"symbol"');
    });

    it('refuses a name twice in the body', () => {
      expect(duplicate('', 'quantity=1&quantity=100').code).toBe('BINANCE_PARAMETER_DUPLICATE');
    });

    it('refuses a name in both the query string and the body', () => {
      // Binance would take the query's copy; a check reading the body's would judge another order.
      const error = duplicate('symbol=BTCUSDT&quantity=0.001', 'quantity=1000');
      expect(error.code).toBe('BINANCE_PARAMETER_DUPLICATE');
      expect(error.message).toContain('"quantity"');
    });

    it('refuses signing parameters repeated in another case, across query and body', () => {
      expect(duplicate('timestamp=1&TIMESTAMP=2').code).toBe('BINANCE_PARAMETER_DUPLICATE');
      expect(duplicate('recvWindow=5000', 'RecvWindow=60000').code).toBe('BINANCE_PARAMETER_DUPLICATE');
      expect(duplicate('signature=a', 'Signature=b').code).toBe('BINANCE_PARAMETER_DUPLICATE');
    });

    it('names the parameter but never its value', () => {
      const error = duplicate('newClientOrderId=my-private-ref-1', 'newClientOrderId=my-private-ref-2');
      expect(error.message).toContain('"newClientOrderId"');
      expect(error.message).not.toContain('my-private-ref');
    });

    it('counts names as sent (encoded or not) and compares them decoded', () => {
      expect(duplicate('symbol=A&%73ymbol=B').code).toBe('BINANCE_PARAMETER_DUPLICATE');
    });

    it('refuses any name repeated in another case, across query and body', () => {
      // Which copy a case-insensitive reader keeps is not Keygate's to guess: the caps must judge the one placed.
      expect(duplicate('symbol=BTCUSDT&quantity=0.001&Quantity=1000').code).toBe('BINANCE_PARAMETER_DUPLICATE');
      expect(duplicate('symbol=BTCUSDT&Symbol=ETHUSDT').code).toBe('BINANCE_PARAMETER_DUPLICATE');
      expect(duplicate('price=1', 'PRICE=100000').code).toBe('BINANCE_PARAMETER_DUPLICATE');
      expect(duplicate('quoteOrderQty=10&%51uoteOrderQty=10000').code).toBe('BINANCE_PARAMETER_DUPLICATE');
      expect(duplicate('symbol=BTCUSDT&Quantity=1&quantity=2').message).toContain('"quantity"');
    });
  });
});

describe('withoutAgentSigning', () => {
  it('drops signature, timestamp and recvWindow in any case and keeps the rest in order', () => {
    const params = parseAgentParams('symbol=BTCUSDT&signature=abc&Timestamp=1&side=BUY&RECVWINDOW=60000', NO_BODY, undefined);
    expect(withoutAgentSigning(params)).toEqual([
      ['symbol', 'BTCUSDT'],
      ['side', 'BUY'],
    ]);
  });

  it('keeps parameters that merely contain those words', () => {
    expect(withoutAgentSigning([['recvWindowX', '1'], ['timestamps', '2']])).toHaveLength(2);
  });
});

describe('encodeParams (RFC 3986)', () => {
  it('keeps unreserved characters and joins pairs with "&" in the given order', () => {
    expect(encodeParams([['b', 'AZaz09-._~'], ['a', '1']])).toBe('b=AZaz09-._~&a=1');
  });

  it('encodes a space as %20, never "+"', () => {
    expect(encodeParams([['note', 'a b']])).toBe('note=a%20b');
  });

  it('encodes every reserved or other ASCII character as upper-case %XX', () => {
    expect(encodeParams([['v', "!#$&'()*+,/:;=?@[]%\"<>\\^`{|}"]])).toBe(
      'v=%21%23%24%26%27%28%29%2A%2B%2C%2F%3A%3B%3D%3F%40%5B%5D%25%22%3C%3E%5C%5E%60%7B%7C%7D',
    );
    expect(encodeParams([['symbols', '["BTCUSDT","BNBUSDT"]']])).toBe('symbols=%5B%22BTCUSDT%22%2C%22BNBUSDT%22%5D');
  });

  it('encodes names as well as values', () => {
    expect(encodeParams([['a b&c', 'x=y']])).toBe('a%20b%26c=x%3Dy');
  });

  it('encodes non-ASCII text as UTF-8 bytes, as in Binance\'s example', () => {
    // Binance docs, request security, HMAC Step 1: symbol "１２３４５６" → %EF%BC%91%EF%BC%92…
    expect(encodeParams([['symbol', '１２３４５６']])).toBe('symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96');
    expect(encodeParams([['symbol', '这是测试币456']])).toBe('symbol=%E8%BF%99%E6%98%AF%E6%B5%8B%E8%AF%95%E5%B8%81456');
    expect(encodeParams([['e', '€😀']])).toBe('e=%E2%82%AC%F0%9F%98%80');
  });

  it('round-trips what parseAgentParams decoded', () => {
    const query = 'symbol=%EF%BC%91%EF%BC%92&note=a%20b%2Bc&list=%5B%22X%22%5D';
    expect(encodeParams(parseAgentParams(query, NO_BODY, undefined))).toBe(query);
  });

  it('refuses text with a lone surrogate (it has no UTF-8 form)', () => {
    expect(refusal(() => encodeParams([['v', '\ud800']])).code).toBe('BINANCE_REQUEST_INVALID');
  });
});
