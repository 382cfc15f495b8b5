/**
 * The one catalogue of Keygate error codes. Every error an agent, the popup or the native port can
 * see comes from here: a stable code, the HTTP status the proxy answers with, a message and a hint
 * the reader can act on. Messages never carry a secret.
 */
import { isPlainObject } from './validate';

export const ERRORS = {
  FRAME_TOO_LARGE: {
    status: 413,
    message: 'The native message is larger than the host accepts.',
    hint: 'Send smaller messages; the host caps inbound frames (default 8 MiB).',
  },
  FRAME_MALFORMED: {
    status: 400,
    message: 'The native message is not a JSON object.',
    hint: 'Each frame must be a uint32 little-endian length followed by one UTF-8 JSON object.',
  },
  MESSAGE_INVALID: {
    status: 400,
    message: 'The message is missing fields or has fields of the wrong type.',
    hint: 'Check the message against shared/protocol.ts.',
  },
  MESSAGE_TYPE_UNKNOWN: {
    status: 400,
    message: 'The host does not know this message type.',
    hint: 'Update the extension and the host to the same version.',
  },
  CALLER_NOT_ALLOWED: {
    status: 403,
    message: 'The host was started by a browser extension it does not trust.',
    hint: 'Re-run `keygate-host install --extension-id ID` with the id shown on the extensions page.',
  },
  HOST_NOT_INSTALLED: {
    status: 503,
    message: 'The Keygate native host is not registered with this browser.',
    hint: 'Run `keygate-host install --browser chromium` (or your browser; see the README), then reopen this popup.',
  },
  HOST_FORBIDDEN: {
    status: 503,
    message: 'The native host manifest does not allow this extension.',
    hint: 'Run `keygate-host install --extension-id ID` with this extension\'s id.',
  },
  HOST_EXITED: {
    status: 503,
    message: 'The native host stopped.',
    hint: 'Keygate restarts it automatically; run `keygate-host doctor` if it keeps stopping.',
  },
  HOST_TIMEOUT: {
    status: 504,
    message: 'The native host did not answer in time.',
    hint: 'Run `keygate-host doctor` to check the host.',
  },
  INTERNAL_ERROR: {
    status: 500,
    message: 'Keygate hit an unexpected error.',
    hint: 'The host log on stderr has details; please report it.',
  },
  VAULT_LOCKED: {
    status: 423,
    message: 'The vault is locked.',
    hint: 'Unlock Keygate from the browser toolbar popup with your master password, then retry.',
  },
  VAULT_PASSWORD_WRONG: {
    status: 401,
    message: 'The master password does not open this vault.',
    hint: 'Check the password (and keyboard layout) and try again; an altered vault file fails the same way.',
  },
  VAULT_CORRUPT: {
    status: 422,
    message: 'The vault data is damaged or not in a format Keygate understands.',
    hint: 'Restore the vault from an export file, or update Keygate if the vault came from a newer version.',
  },
  VAULT_KDF_TOO_WEAK: {
    status: 422,
    message: 'The vault asks for key-derivation settings weaker than Keygate allows.',
    hint: 'Keygate needs Argon2id with at least 64 MiB memory and 2 passes; this vault may have been tampered with.',
  },
  VAULT_EXISTS: {
    status: 409,
    message: 'A vault already exists in this browser profile.',
    hint: 'Unlock the existing vault, or import an export file to replace it.',
  },
  VAULT_NOT_FOUND: {
    status: 404,
    message: 'No vault has been created in this browser profile yet.',
    hint: 'Open the Keygate popup and create a vault, or import an export file.',
  },
  CREDENTIAL_TAMPERED: {
    status: 422,
    message: 'A stored credential failed its integrity check and was not used.',
    hint: 'Delete the credential and add the key again; the other credentials stay usable.',
  },
  CREDENTIAL_NOT_FOUND: {
    status: 404,
    message: 'The vault has no credential with this id.',
    hint: 'List the credentials in the Keygate popup and use one of the ids shown there.',
  },
  CREDENTIAL_INVALID: {
    status: 422,
    message: 'The credential details are not valid.',
    hint: 'Use a service of 1-40 characters a-z, 0-9 or "-", a name of 1-80 characters and a known key kind.',
  },
  IMPORT_INVALID: {
    status: 422,
    message: 'The file is not a valid Keygate vault export.',
    hint: 'Choose a file made by "Export vault" in Keygate, unedited; the detail names the first wrong field.',
  },
  PASSWORD_TOO_WEAK: {
    status: 422,
    message: 'The master password is too easy to guess.',
    hint: 'Use a longer passphrase (four or more unrelated words, or 14+ mixed characters) that you use nowhere else.',
  },
  VAULT_BUSY: {
    status: 409,
    message: 'The vault is busy unlocking.',
    hint: 'Wait for the unlock in progress to finish, then try again.',
  },
} as const satisfies Record<string, { status: number; message: string; hint: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** An error body as it arrives over the native port: a known code, a message, maybe a hint. */
export function isErrorBody(value: unknown): value is ErrorBody {
  return (
    isPlainObject(value) &&
    isErrorCode(value.code) &&
    typeof value.message === 'string' &&
    (value.hint === undefined || typeof value.hint === 'string')
  );
}

/** An error that carries a catalogue code; `detail` is appended to the catalogue message. */
export class KeygateError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, detail?: string) {
    super(detail ? `${ERRORS[code].message} ${detail}` : ERRORS[code].message);
    this.name = 'KeygateError';
    this.code = code;
  }

  /** Rebuilds an error received from the other side of the native port, keeping its message. */
  static fromBody(body: ErrorBody): KeygateError {
    const error = new KeygateError(body.code);
    error.message = body.message;
    return error;
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, hint: ERRORS[this.code].hint };
  }
}

export function errorBody(code: ErrorCode, detail?: string): ErrorBody {
  return new KeygateError(code, detail).toBody();
}
