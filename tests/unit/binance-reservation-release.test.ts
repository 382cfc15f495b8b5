import { describe, expect, it } from 'vitest';
import { KeygateError } from '../../shared/errors';
import { judgeOrderAnswer, mayHaveExecutedWithoutAnswer } from '../../native-host/src/binance/reservation-release';

const ORDER = '/api/v3/order';
const CANCEL_REPLACE = '/api/v3/order/cancelReplace';

describe('judgeOrderAnswer: a reservation is given back only when Binance proves the order did not execute', () => {
  it.each([
    [200, { orderId: 1 }, false],
    [400, { code: -2010, msg: 'Account has insufficient balance for requested action.' }, true],
    [400, { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' }, true],
    [400, { code: -1013, msg: 'Filter failure: NOTIONAL' }, true],
    [401, { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' }, true],
    [403, null, true],
    [418, { code: -1003, msg: 'Way too much request weight used; IP banned until 1.' }, true],
    [429, { code: -1015, msg: 'Too many new orders.' }, true],
    [408, { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' }, false],
    [408, null, false],
    [400, { code: -1007, msg: 'Timeout waiting for response from backend server.' }, false],
    [400, { code: -1006, msg: 'An unexpected response was received from the message bus. Execution status unknown.' }, false],
    [400, { code: -1000, msg: 'An unknown error occurred while processing the request.' }, false],
    [500, { code: -1000, msg: 'An unknown error occurred while processing the request.' }, false],
    [503, { code: -1001, msg: 'Service Unavailable.' }, false],
    [503, { code: -1000, msg: 'Unknown error, please check your request or try again later.' }, false],
  ])('HTTP %i %j → release %s', (status, body, release) => {
    expect(judgeOrderAnswer(ORDER, status, body).release).toBe(release);
  });

  it('keeps a cancelReplace whose new order was placed although the cancel failed (409), releases one whose new order was not', () => {
    const partial = { code: -2021, msg: 'Order cancel-replace partially failed.', data: { cancelResult: 'FAILURE', newOrderResult: 'SUCCESS' } };
    expect(judgeOrderAnswer(CANCEL_REPLACE, 409, partial).release).toBe(false);
    const failed = { code: -2022, msg: 'Order cancel-replace failed.', data: { cancelResult: 'FAILURE', newOrderResult: 'NOT_ATTEMPTED' } };
    expect(judgeOrderAnswer(CANCEL_REPLACE, 400, failed).release).toBe(true);
    expect(judgeOrderAnswer(CANCEL_REPLACE, 400, { code: -1102, msg: "Mandatory parameter 'side' was not sent." }).release).toBe(true);
    // A report Keygate cannot read proves nothing.
    expect(judgeOrderAnswer(CANCEL_REPLACE, 409, { code: -2021, data: { cancelResult: 'FAILURE' } }).release).toBe(false);
    // The field is read, not searched for: a message quoting it does not count.
    expect(judgeOrderAnswer(CANCEL_REPLACE, 400, { code: -2022, msg: '"newOrderResult":"SUCCESS"', data: { newOrderResult: 'FAILURE' } }).release).toBe(true);
  });
});

describe('mayHaveExecutedWithoutAnswer', () => {
  it('an order never sent cannot have executed; one sent and then timed out or cut off may have', () => {
    expect(mayHaveExecutedWithoutAnswer(false, new KeygateError('UPSTREAM_TIMEOUT'))).toBe(false);
    expect(mayHaveExecutedWithoutAnswer(true, new KeygateError('UPSTREAM_TIMEOUT'))).toBe(true);
    expect(mayHaveExecutedWithoutAnswer(true, new KeygateError('UPSTREAM_UNREACHABLE'))).toBe(true);
    expect(mayHaveExecutedWithoutAnswer(true, new Error('socket hang up'))).toBe(true);
    expect(mayHaveExecutedWithoutAnswer(true, new KeygateError('UPSTREAM_CERTIFICATE_INVALID'))).toBe(false);
  });
});
